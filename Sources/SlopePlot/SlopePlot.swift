// SlopePlot: see DESIGN.md.
