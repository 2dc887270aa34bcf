/// An optimiser: applies one update to a model's parameters from their accumulated gradients.
public protocol ParameterUpdate {
    mutating func update<L: Layer>(_ model: inout L) where L.Scalar == Float
}

extension Adam: ParameterUpdate where Scalar == Float {}
extension SGD: ParameterUpdate where Scalar == Float {}
extension TrainingOptimizer: ParameterUpdate {}
