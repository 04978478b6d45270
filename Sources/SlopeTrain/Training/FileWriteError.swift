import Foundation
import SlopeFiles

/// A file that could not be written, naming the path and the reason.
public typealias FileWriteError = AtomicFile.WriteError
