import StockadeSeccomp

extension Profile {
    /// The policy a run compiles: the profile's, or the built-in default
    /// when no profile in the chain said `seccomp:`. The one place that
    /// default is chosen, so `prepare` caches exactly what a run looks up.
    public var effectiveSeccompPolicy: SeccompPolicy {
        seccomp.policy ?? SeccompPolicy()
    }
}
