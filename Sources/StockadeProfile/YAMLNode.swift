/// A parsed YAML node with the position it started at.
///
/// Composed from libyaml's events by `YAMLComposer`. Mappings keep file
/// order and duplicate keys: rejecting those is the decoder's job, with its
/// own error.
enum YAMLNode: Sendable {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(List)

    /// 1-based line and column (counted in Unicode scalars, as libyaml counts them).
    struct Mark: Equatable, Sendable {
        var line: Int
        var column: Int
    }

    enum Style: Equatable, Sendable {
        case plain
        case singleQuoted
        case doubleQuoted
        /// `|`: line breaks kept.
        case literal
        /// `>`: lines folded into spaces.
        case folded
    }

    struct Scalar: Sendable {
        var string: String
        var style: Style
        var mark: Mark
    }

    struct Mapping: Sequence, Sendable {
        var pairs: [(YAMLNode, YAMLNode)]
        var mark: Mark

        func makeIterator() -> IndexingIterator<[(YAMLNode, YAMLNode)]> {
            pairs.makeIterator()
        }
    }

    struct List: Sequence, Sendable {
        var items: [YAMLNode]
        var mark: Mark

        func makeIterator() -> IndexingIterator<[YAMLNode]> {
            items.makeIterator()
        }
    }

    /// Optional for the reader's `node?.mark`; every node has one.
    var mark: Mark? {
        switch self {
        case .scalar(let scalar): return scalar.mark
        case .mapping(let mapping): return mapping.mark
        case .sequence(let list): return list.mark
        }
    }
}

/// Why a text is not a profile's YAML, and where.
struct YAMLSyntaxError: Error, Equatable {
    /// `.syntax` for malformed YAML, `.unsupported` for valid YAML profiles
    /// refuse (anchors, aliases, tags, directives, several documents).
    var code: ProfileError.Code
    var line: Int
    var column: Int
    var message: String
}
