import Foundation
import TensorKernels
import Training

/// Where a run's examples come from.
public enum RunData: Sendable {
    /// The data set the plan names, found by `DataLocator.standard` (`--data DIR` first,
    /// then `$SCHEDC_DATA_DIR`, the system package, the shipped subset): what `schedc run` uses.
    case locate
    /// Examples given by the caller (tests, benchmarks: synthetic data). `description` is the
    /// line the run reports and records in run.json.
    case provided(DatasetSplit, description: String)
}

/// The examples of a run and where they came from.
public struct LoadedRunData: Sendable {
    public var split: DatasetSplit
    /// "fashion_mnist: 10000 training and 2000 test images from … (the subset shipped in the repository)".
    public var summary: String
    /// The directory the files were read from (nil for provided data).
    public var directory: String?
}

extension RunSpecification {
    /// Loads the data the plan trains on and checks it is what the plan counted with:
    /// N training examples (the plan's `dataset_size`) and a test set.
    public func loadData(_ source: RunData) throws -> LoadedRunData {
        let loaded: LoadedRunData
        switch source {
        case .locate:
            let dataset = try loadableDataset()
            do {
                let result = try dataset.load(dataRequest, locator: .standard(explicitDirectory: dataDirectory))
                loaded = LoadedRunData(split: result.split, summary: result.summary, directory: result.location.directory)
            } catch let error as RunError {
                throw error
            } catch let error as DataError {
                throw RunError(.io, error.description, refusal: error.kind == .notFound ? .dataSetNotFound : .unusableData)
            } catch {
                throw RunError(.io, "\(error)", refusal: .unusableData)
            }
        case .provided(let split, let description):
            loaded = LoadedRunData(split: split, summary: description, directory: nil)
        }
        guard loaded.split.train.count == plan.datasetSize else {
            throw RunError(.io, "\(loaded.summary): \(loaded.split.train.count) training examples, but the plan counts with "
                           + "N = \(plan.datasetSize)", refusal: .unusableData)
        }
        guard loaded.split.test.count > 0 else { throw RunError(.io, "\(loaded.summary): the test set is empty", refusal: .unusableData) }
        return loaded
    }
}

extension RunSpecification {
    /// The model a run of this specification starts with, freshly initialised from the seed:
    /// the data fixes its input shape and classes. The other engines start from its weights
    /// (`schedc export`), so this is the one place a run's model is built.
    public func makeModel(_ architecture: ModelArchitecture, data: LoadedRunData) -> Model {
        let train = data.split.train
        return Model(architecture: architecture, channels: train.channels, height: train.height, width: train.width,
                     classes: max(2, train.classes, data.split.test.classes), ghostBatch: plan.ghostBatch,
                     seed: plan.seed, pool: ThreadPool(threads: threads))
    }
}
