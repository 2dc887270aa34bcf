import ArgumentParser
import SegPipeline

struct Sources: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every input source (`input.format`) with its keys.",
        discussion: "The same declarations drive the parser; docs/sources.md is the --markdown output.")

    @Flag(help: "Print Markdown (the content of docs/sources.md).")
    var markdown = false

    func run() throws {
        if markdown {
            print(StageDocs.sourcesMarkdown(), terminator: "")
        } else {
            for s in SourceRegistry.all { print("\(s.declaration.name): \(s.declaration.summary)") }
        }
    }
}
