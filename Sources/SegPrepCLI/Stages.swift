import ArgumentParser
import SegPipeline

struct Stages: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every pipeline stage with its parameters, ranges, defaults and effect on labels.",
        discussion: "The same declarations drive the parser; docs/stages.md is the --markdown output.")

    @Flag(help: "Print Markdown (the content of docs/stages.md).")
    var markdown = false

    func run() throws {
        print(markdown ? StageDocs.markdown() : StageDocs.text(), terminator: "")
    }
}
