import Foundation
import Testing
@testable import SegPipeline

/// `--partition auto` reads the partition from Slurm's or Kubernetes' environment, or says which
/// variable is missing.
@Suite struct PartitionEnvironmentTests {
    func partition(_ env: [String: String]) -> Partition? { try? Partition.fromEnvironment(env).get() }
    func reason(_ env: [String: String]) -> String {
        if case .failure(let e) = Partition.fromEnvironment(env) { return e.description }
        return ""
    }

    @Test func slurmArrays() {
        #expect(partition(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "8"]) == Partition(k: 2, n: 8))
        #expect(partition(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_MAX": "7"]) == Partition(k: 1, n: 4))
        #expect(partition(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "4"]) == Partition(k: 1, n: 4))
        #expect(reason(["SLURM_ARRAY_TASK_ID": "3"]).contains("neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN and _MAX"))
        #expect(reason(["SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "4"]).contains("task 9 of 4"))
    }

    @Test func kubernetesIndexedJobs() {
        #expect(partition(["JOB_COMPLETION_INDEX": "3", "SEGPREP_PARTITIONS": "4"]) == Partition(k: 3, n: 4))
        #expect(reason(["JOB_COMPLETION_INDEX": "3"]).contains("found JOB_COMPLETION_INDEX but not SEGPREP_PARTITIONS"))
        #expect(reason(["JOB_COMPLETION_INDEX": "4", "SEGPREP_PARTITIONS": "4"]).contains("index 4 of SEGPREP_PARTITIONS=4"))
    }

    @Test func bothSchedulersMustAgree() {
        let slurm = ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4"]
        #expect(partition(slurm.merging(["JOB_COMPLETION_INDEX": "1", "SEGPREP_PARTITIONS": "4"]) { a, _ in a }) == Partition(k: 1, n: 4))
        #expect(reason(slurm.merging(["JOB_COMPLETION_INDEX": "2", "SEGPREP_PARTITIONS": "4"]) { a, _ in a })
                == "--partition auto read partition 1/4 from Slurm but 2/4 from Kubernetes (JOB_COMPLETION_INDEX, SEGPREP_PARTITIONS); unset the other scheduler's variables or pass --partition K/N")
        // A scheduler whose own variables are wrong is named, whatever the other says.
        #expect(reason(slurm.merging(["JOB_COMPLETION_INDEX": "1"]) { a, _ in a }).contains("found JOB_COMPLETION_INDEX but not SEGPREP_PARTITIONS"))
        #expect(reason(["SLURM_ARRAY_TASK_ID": "1", "JOB_COMPLETION_INDEX": "1", "SEGPREP_PARTITIONS": "4"]).contains("neither SLURM_ARRAY_TASK_COUNT"))
    }

    @Test func noSchedulerIsNamed() {
        #expect(reason([:]) == "--partition auto found no scheduler: neither SLURM_ARRAY_TASK_ID (Slurm job arrays) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) is set; pass --partition K/N")
    }

    @Test func theCommandLineReadsIt() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let pipeline = s.dir.appendingPathComponent("p.yaml").path
        try Scratch.augmented.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let (status, out) = try runProcess(segPrepBinary, ["run", pipeline, "--partition", "auto", "--output", s.dir.appendingPathComponent("part").path, "--json"],
                                           environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2", "PATH": "/usr/bin:/bin"])
        #expect(status == 0, "\(out)")
        #expect(try manifestPartition(s.dir.appendingPathComponent("part").path) == "1/2")
    }

    func manifestPartition(_ dir: String) throws -> String? {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/index.json"))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["partition"] as? String
    }
}
