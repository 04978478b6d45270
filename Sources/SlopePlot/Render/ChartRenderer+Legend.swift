import Foundation

/// The legend and the annotation boxes, each in the corner that hides the least data.
extension ChartRenderer {
    /// Draws the legend of every labelled line and scatter; returns its box, if drawn.
    func drawLegend(
        _ prepared: [Prepared], _ frame: Frame, footprint: Footprint, taken: inout Set<Corner>, on canvas: some Canvas
    ) -> CanvasRect? {
        let entries = prepared.compactMap(legendEntry)
        guard chart.showsLegend && !entries.isEmpty && !frame.compact else { return nil }
        let rowHeight = Self.legendFont * 1.6
        let textWidth = entries.map { canvas.textWidth($0.label, size: Self.legendFont) }.max() ?? 0
        let size = (width: 8 + 24 + 6 + textWidth + 8, height: 6 + rowHeight * Double(entries.count) + 4)
        let (corner, box) = place(
            size: size, in: frame.plot, preferred: chart.legendCorner, taken: taken,
            footprint: footprint, order: [.topRight, .topLeft, .bottomLeft, .bottomRight])
        taken.insert(corner)
        canvas.fill(box, color: .white)
        canvas.stroke(box, color: Self.legendBorder)
        for (row, entry) in entries.enumerated() {
            let y = (box.minY + 6 + rowHeight * (Double(row) + 0.5)).rounded()
            let sample = (from: CanvasPoint(x: box.minX + 8, y: y), to: CanvasPoint(x: box.minX + 32, y: y))
            switch entry.kind {
            case .line(let width):
                canvas.line(from: sample.from, to: sample.to, color: entry.color, lineWidth: width, antialiased: true)
            case .marker(let radius, let edge):
                canvas.circle(
                    center: CanvasPoint(x: box.minX + 20, y: y), radius: max(radius, 3),
                    fill: entry.color, edge: edge)
            }
            canvas.text(
                entry.label, at: CanvasPoint(x: box.minX + 38, y: y), size: Self.legendFont,
                color: Self.ink, anchor: .middleLeading, orientation: .horizontal)
        }
        return box
    }

    /// Draws the annotation boxes; several in one corner are stacked.
    func drawAnnotations(_ frame: Frame, footprint: Footprint, taken: inout Set<Corner>, on canvas: some Canvas) {
        var stacked: [Corner: Double] = [:]
        for annotation in chart.annotations where !annotation.text.isEmpty {
            let w = canvas.textWidth(annotation.text, size: Self.legendFont)
            let size = (width: w + 12, height: Self.legendFont * 1.3 + 8)
            let (corner, box0) = place(
                size: size, in: frame.plot, preferred: annotation.corner, taken: taken,
                footprint: footprint,
                order: [.topLeft, .topRight, .bottomRight, .bottomLeft])
            var box = box0
            let shift = stacked[corner, default: 0]
            box.y += (corner == .topLeft || corner == .topRight) ? shift : -shift
            stacked[corner] = shift + size.height + 4
            if annotation.corner == .automatic { taken.insert(corner) }
            canvas.fill(box, color: .white)
            canvas.stroke(box, color: Self.legendBorder)
            canvas.text(
                annotation.text, at: CanvasPoint(x: box.minX + 6, y: box.minY + box.height / 2),
                size: Self.legendFont, color: Self.ink, anchor: .middleLeading, orientation: .horizontal)
        }
    }

    struct LegendEntry {
        enum Kind { case line(width: Double), marker(radius: Double, edge: RGB?) }
        var label: String
        var color: RGB
        var kind: Kind
    }

    func legendEntry(_ p: Prepared) -> LegendEntry? {
        switch p.kind {
        case .line(_, _, let color, let width, let label?) where !label.isEmpty:
            LegendEntry(label: label, color: color, kind: .line(width: width))
        case .scatter(_, let color, let radius, let edge, let label?) where !label.isEmpty:
            LegendEntry(label: label, color: color, kind: .marker(radius: radius, edge: edge))
        default:
            nil
        }
    }

    /// The box of `size` in a corner of `plot`: `preferred` unless automatic, else the free
    /// corner (in `order`) whose box covers the least data.
    func place(
        size: (width: Double, height: Double), in plot: CanvasRect, preferred: Corner,
        taken: Set<Corner>, footprint: Footprint, order: [Corner]
    ) -> (Corner, CanvasRect) {
        let inset = 8.0
        func box(_ corner: Corner) -> CanvasRect {
            let left = corner == .topLeft || corner == .bottomLeft
            let upper = corner == .topLeft || corner == .topRight
            return CanvasRect(
                x: (left ? plot.minX + inset : plot.maxX - inset - size.width).rounded(),
                y: (upper ? plot.minY + inset : plot.maxY - inset - size.height).rounded(),
                width: size.width.rounded(), height: size.height.rounded())
        }
        if preferred != .automatic { return (preferred, box(preferred)) }
        let free = order.filter { !taken.contains($0) }
        let candidates = free.isEmpty ? order : free
        var best = candidates[0], bestCost = Int.max
        for corner in candidates {
            let cost = footprint.cost(of: box(corner))
            if cost < bestCost { (best, bestCost) = (corner, cost) }
        }
        return (best, box(best))
    }
}
