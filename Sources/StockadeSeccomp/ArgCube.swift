/// A set of argument values expressed as one `SCMP_CMP_MASKED_EQ` test:
/// `(arg & mask) == value`. Hardening predicates are unions of cubes
/// because libseccomp rules are conjunctions and a syscall cannot have an
/// unconditional rule next to conditional ones of another action (the plain
/// rule replaces them), so "allow except X" must be written as "allow
/// where the argument is in one of these cubes".
struct ArgCube: Equatable, Sendable {
    var index: UInt32
    var mask: UInt64
    var value: UInt64

    var condition: SeccompArgCondition {
        SeccompArgCondition(index: index, op: .maskedEqual, value: mask, valueTwo: value)
    }

    /// Cubes covering exactly the 32-bit values not in `excluded`, on the
    /// low 32 bits of argument `index` (the high 32 bits are left free: the
    /// kernel reads these arguments as `int`/`unsigned int`).
    ///
    /// Walks the binary trie of `excluded` from bit 31 down: every branch
    /// that holds no excluded value becomes one cube, so the result has at
    /// most `32 * excluded.count` cubes and no two overlap.
    static func lowWordComplement(index: UInt32, excluding excluded: [UInt64]) -> [ArgCube] {
        var cubes: [ArgCube] = []
        func walk(bit: Int, mask: UInt64, prefix: UInt64, members: [UInt64]) {
            guard !members.isEmpty else {
                cubes.append(ArgCube(index: index, mask: mask, value: prefix))
                return
            }
            guard bit >= 0 else { return }  // prefix is an excluded value
            let b = UInt64(1) << UInt64(bit)
            for side in [UInt64(0), b] {
                walk(bit: bit - 1, mask: mask | b, prefix: prefix | side,
                     members: members.filter { $0 & b == side })
            }
        }
        let unique = Array(Set(excluded.map { $0 & 0xFFFF_FFFF })).sorted()
        walk(bit: 31, mask: 0, prefix: 0, members: unique)
        return cubes
    }

    /// One cube per value: the low 32 bits equal `value`.
    static func lowWordEquals(index: UInt32, _ values: [UInt64]) -> [ArgCube] {
        values.map { ArgCube(index: index, mask: 0xFFFF_FFFF, value: $0 & 0xFFFF_FFFF) }
    }
}

/// Result of adding a cube to a rule's conditions.
enum ConditionMerge: Equatable {
    /// The rule's conditions with the cube folded in.
    case merged([SeccompArgCondition])
    /// The rule can never match together with the cube: drop the clause.
    case unsatisfiable
    /// libseccomp allows one comparison per argument, and this one cannot be
    /// folded into a masked compare.
    case incompatible(SeccompArgCondition)
}

extension ArgCube {
    /// `conditions AND self`, with at most one comparison per argument.
    func and(_ conditions: [SeccompArgCondition]) -> ConditionMerge {
        guard let i = conditions.firstIndex(where: { $0.index == index }) else {
            return .merged(conditions + [condition])
        }
        var result = conditions
        let other = conditions[i]
        switch other.op {
        case .equal:
            // A full 64-bit equality pins the value: the cube holds or not.
            return other.value & mask == value ? .merged(result) : .unsatisfiable
        case .maskedEqual:
            let (m, w) = (other.value, other.valueTwo)
            if w & ~m != 0 { return .unsatisfiable }  // never matched, even alone
            if w & m & mask != value & m & mask { return .unsatisfiable }
            result[i] = SeccompArgCondition(index: index, op: .maskedEqual, value: m | mask, valueTwo: w | value)
            return .merged(result)
        case .notEqual:
            // The cube already excludes the value: the inequality is implied.
            guard other.value & mask == value else {
                result[i] = condition
                return .merged(result)
            }
            return .incompatible(other)
        case .lessThan, .lessOrEqual, .greaterThan, .greaterOrEqual:
            return .incompatible(other)
        }
    }
}
