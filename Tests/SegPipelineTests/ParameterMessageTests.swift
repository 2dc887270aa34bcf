import Foundation
import Testing
@testable import SegPipeline

/// Pipeline errors a user meets with slips in lists and keys: each one sentence located at
/// `file:line:column`, saying what is wrong with the value given.
@Suite struct ParameterMessageTests {
    func message(_ stagesYAML: String) -> String {
        do { _ = try stages(stagesYAML); return "" } catch { return "\(error)" }
    }

    @Test func aListOfTheWrongShapeSaysWhatItHolds() {
        let base = "- decode: {}\n- letterbox: {size: [16, 24]}\n"
        #expect(message(base + "- rotate: {degree: [1]}").contains("'rotate.degree' must be one number or a list [low, high] of two, not a list of 1"))
        #expect(message(base + "- rotate: {degree: [1, 2, 3]}").contains("not a list of 3"))
        #expect(message(base + "- rotate: {degree: [.nan, 1]}").contains("not a list holding '.nan', which is not a number"))
        #expect(message(base + "- blur: {sigma: [1, [2]]}").contains("not a list holding 'a list', which is not a number"))
        #expect(message(base + "- blur: {kernel_size: [3, x]}").contains("'blur.kernel_size' must be one integer or a list [low, high] of two, not a list holding 'x', which is not an integer"))
        #expect(message(base + "- rotate: {degree: {a: 1}}").contains("not 'a mapping'"))
        #expect(message(base + "- rotate: {degree: [-20, 20]}") == "")
    }

    @Test func aRotationCentreIsOnePoint() throws {
        let base = "- decode: {}\n- letterbox: {size: [16, 24]}\n"
        #expect(message(base + "- rotate: {center: [[0, 0], [1, 1]]}").contains("'rotate.center' has 'a list', which is not a number; use a list of 2 numbers"))
        #expect(message(base + "- rotate: {center: [3, 4]}") == "")
        let help = RotateStage.declaration.parameters.first { $0.name == "center" }
        #expect(help?.kind.summary.contains("list of 2 numbers") == true, "\(String(describing: help?.kind.summary))")
    }

    @Test func aKeyGivenTwiceIsLocatedInOneSentence() {
        let text = "input: {root: data}\nclasses: 3\nstages:\n  - decode: {}\n  - letterbox: {size: [8, 8]}\n  - rotate: {degree: 30, degree: 400}\noutput: {dir: out}\n"
        do {
            _ = try PipelineSpec.parse(text, file: "/tmp/p.yaml")
            Issue.record("a duplicate key parsed")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("/tmp/p.yaml:6:") && message.contains("key 'degree' given twice in one mapping"), "\(message)")
            #expect(!message.contains("letterbox"), "the file is not quoted: \(message)")
        }
    }
}
