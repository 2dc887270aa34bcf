import Foundation

/// One epoch's results: one line of `log.jsonl`.
///
/// `epoch` counts from 1; losses are means over the epoch's batches; metrics come from the
/// validation confusion matrix; `seconds` is the epoch's wall time and `waitSeconds` the time the
/// trainer spent blocked on the loader.
public struct EpochRecord: Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var valLoss: Double
    public var miou: Double
    public var miouPresent: Double
    public var mpa: Double
    public var accuracy: Double
    public var lr: Double
    public var seconds: Double
    public var waitSeconds: Double

    public init(epoch: Int, trainLoss: Double, valLoss: Double, miou: Double, miouPresent: Double, mpa: Double,
                accuracy: Double, lr: Double, seconds: Double, waitSeconds: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.valLoss = valLoss; self.miou = miou
        self.miouPresent = miouPresent; self.mpa = mpa; self.accuracy = accuracy; self.lr = lr
        self.seconds = seconds; self.waitSeconds = waitSeconds
    }

    /// The log keys in output order.
    public static let keys = ["epoch", "train_loss", "val_loss", "miou", "miou_present", "mpa", "accuracy",
                              "lr", "seconds", "wait_seconds"]

    /// One JSON object on one line (non-finite numbers as `null`).
    public var jsonLine: String {
        let values: [Double] = [Double(epoch), trainLoss, valLoss, miou, miouPresent, mpa, accuracy, lr, seconds, waitSeconds]
        let fields = zip(EpochRecord.keys, values).map { key, v -> String in
            let text = key == "epoch" ? String(epoch) : (v.isFinite ? "\(v)" : "null")
            return "\"\(key)\": \(text)"
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// Parses a line written by `jsonLine`; nil when it is not one.
    public init?(jsonLine: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: Any],
              let epoch = object["epoch"] as? Int else { return nil }
        func number(_ key: String) -> Double { (object[key] as? NSNumber)?.doubleValue ?? .nan }
        self.init(epoch: epoch, trainLoss: number("train_loss"), valLoss: number("val_loss"), miou: number("miou"),
                  miouPresent: number("miou_present"), mpa: number("mpa"), accuracy: number("accuracy"),
                  lr: number("lr"), seconds: number("seconds"), waitSeconds: number("wait_seconds"))
    }
}
