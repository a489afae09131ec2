// Small SIMD helpers shared by the kernels. They must inline into the kernels' loops, also in
// a debug build (as calls they cost a third of a CNN step). SwiftPM compiles a debug
// module file by file, and no attribute inlines a function from another file of the same
// module then; across modules, @inlinable bodies travel in the .swiftmodule and do inline.
// Hence a module of their own.

@inlinable @inline(__always) public func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inlinable @inline(__always) public func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inlinable @inline(__always) public func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
/// dst[0..<count] = src[0..<count] without a library call (short runs: the Cin Floats of a tap).
@inlinable @inline(__always) public func copyFloats(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int) {
    var i = 0
    while i + 8 <= count { store8(load8(src + i), dst + i); i += 8 }
    while i < count { dst[i] = src[i]; i += 1 }
}
@inlinable @inline(__always) public func zeroFloats(_ dst: UnsafeMutablePointer<Float>, _ count: Int) {
    var i = 0
    while i + 8 <= count { store8(SIMD8(repeating: 0), dst + i); i += 8 }
    while i < count { dst[i] = 0; i += 1 }
}
/// Lane-wise maximum (one vmaxps; the standard library's pointwiseMax is not inlined).
@inlinable @inline(__always) public func max8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: b .> a)
}
