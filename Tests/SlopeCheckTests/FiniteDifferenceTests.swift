import Foundation
import Testing

@testable import SlopeCheck

/// The stencils themselves, on functions whose derivatives and truncation errors are known:
/// D(h) = Σ wᵢ f(x + oᵢh) / h, the sum the engine forms from `points`.
///
/// Taylor: central D − f′ = f‴(x)·h²/6 + O(h⁴); fourth-order D − f′ = −f⁽⁵⁾(x)·h⁴/30 + O(h⁶).
@Suite struct FiniteDifferenceTests {
    struct KnownFunction: CustomStringConvertible, Sendable {
        var description: String
        var f: @Sendable (Double) -> Double
        var derivative: @Sendable (Double) -> Double
        var third: @Sendable (Double) -> Double
        var fifth: @Sendable (Double) -> Double
        var x: Double
    }

    static let functions: [KnownFunction] = [
        KnownFunction(description: "sin", f: sin, derivative: cos, third: { -cos($0) }, fifth: cos, x: 0.7),
        KnownFunction(description: "exp", f: exp, derivative: exp, third: exp, fifth: exp, x: 0.3),
        // 2x³ − x² + 3x + 1: f‴ = 12, f⁽⁵⁾ = 0.
        KnownFunction(
            description: "cubic", f: { 2 * $0 * $0 * $0 - $0 * $0 + 3 * $0 + 1 }, derivative: { 6 * $0 * $0 - 2 * $0 + 3 },
            third: { _ in 12 }, fifth: { _ in 0 }, x: 1.5),
    ]

    func estimate(_ method: FiniteDifference, _ f: (Double) -> Double, at x: Double, step h: Double) -> Double {
        method.points.reduce(0) { $0 + $1.weight * f(x + $1.offset * h) } / h
    }

    @Test(arguments: FiniteDifference.Stencil.allCases)
    func stencilWeightsMeetTheirOrderConditions(stencil: FiniteDifference.Stencil) {
        let method = FiniteDifference(stencil: stencil, step: 1e-3)
        // Σ w·oᵏ/k! must be 0 for k = 0 and 2…p, and 1 for k = 1 (the derivative's own term).
        for k in 0...method.order {
            let moment = method.points.reduce(0) { $0 + $1.weight * pow($1.offset, Double(k)) }
            #expect(abs(moment - (k == 1 ? 1 : 0)) < 1e-15, "\(stencil) moment \(k) = \(moment)")
        }
        // …and not for k = p + 1: that term is the truncation error.
        let next = method.points.reduce(0) { $0 + $1.weight * pow($1.offset, Double(method.order + 1)) }
        #expect(abs(next) > 0.1, "\(stencil) is of higher order than it claims")
    }

    @Test(arguments: functions)
    func centralErrorIsThirdDerivativeTimesHSquaredOverSix(function: KnownFunction) {
        let h = 1e-3
        let error = estimate(.central(), function.f, at: function.x, step: h) - function.derivative(function.x)
        let theory = function.third(function.x) * h * h / 6
        // O(h⁴) and rounding (≈ 1e-16·|f|/h) are below 1e-4 of the h² term at this step.
        #expect(abs(error - theory) <= 1e-4 * abs(theory), "\(function): error \(error), theory \(theory)")
        // Halving h quarters the error: the order is 2.
        let halved = estimate(.central(), function.f, at: function.x, step: h / 2) - function.derivative(function.x)
        #expect(abs(error / halved - 4) < 1e-2, "\(function): ratio \(error / halved)")
    }

    @Test(arguments: functions.filter { $0.description != "cubic" })
    func fourthOrderErrorIsFifthDerivativeTimesHToTheFourthOverThirty(function: KnownFunction) {
        let h = 1e-2
        let error = estimate(.fourthOrder(), function.f, at: function.x, step: h) - function.derivative(function.x)
        let theory = -function.fifth(function.x) * pow(h, 4) / 30
        #expect(abs(error - theory) <= 1e-2 * abs(theory), "\(function): error \(error), theory \(theory)")
        let halved = estimate(.fourthOrder(), function.f, at: function.x, step: h / 2) - function.derivative(function.x)
        #expect(abs(error / halved - 16) < 0.2, "\(function): ratio \(error / halved)")
    }

    @Test func fourthOrderIsExactOnACubicToRounding() throws {
        let cubic = try #require(Self.functions.first { $0.description == "cubic" })
        let exact = cubic.derivative(cubic.x)
        for h in [1e-1, 1e-2, 1e-3] {
            let error = estimate(.fourthOrder(), cubic.f, at: cubic.x, step: h) - exact
            // Rounding only: a few ulps of f (≈ 10 at x = 1.5) divided by h.
            let rounding = 8 * Double.ulpOfOne * abs(cubic.f(cubic.x)) / h
            #expect(abs(error) <= rounding, "h \(h): error \(error) above rounding \(rounding)")
            // The central stencil is not exact there: its error is exactly f‴h²/6 = 2h².
            let central = estimate(.central(), cubic.f, at: cubic.x, step: h) - exact
            #expect(abs(central - 2 * h * h) <= rounding, "h \(h): central error \(central)")
        }
    }

    /// Steps as reports print them: a power of ten as 1e-05 (printf's two exponent digits at
    /// least), any other step to three significant digits.
    @Test func stepsArePrintedAsPrintfWould() {
        for exponent in [-12, -5, -1, 0, 3, 12] {
            let h = pow(10, Double(exponent))
            #expect(formatStep(h) == String(format: "%.0e", h).replacingOccurrences(of: "e+", with: "e"), "\(h)")
        }
        #expect(formatStep(0.0123456) == "0.0123" && formatStep(6.5e-6) == "6.5e-06")
    }
}
