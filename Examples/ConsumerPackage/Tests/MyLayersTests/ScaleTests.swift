import MyLayers
import SlopeLayers
import SlopeTesting
import Testing

@Test(arguments: [[3, 5], [2, 3, 6]])
func scaleBackward(shape: [Int]) {
    var rng = SeededGenerator(seed: 1)
    expectGradientsCorrect(Scale(), inputs: [.uniform(shape, using: &rng)])
}
