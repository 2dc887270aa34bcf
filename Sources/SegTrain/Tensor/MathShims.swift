import Foundation

/// Natural logarithm of a double (module-internal spelling that avoids member shadowing).
@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }

/// Cosine of a double (module-internal spelling that avoids member shadowing).
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
