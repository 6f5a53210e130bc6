#!/usr/bin/env bash
# Per-hash speed of SHA-256 over 1 MiB: the hand-written Swift implementation
# (the one before nettle, taken from git) against today's SHA256 (nettle).
# Usage: Benchmarks/sha256/run.sh [OLD_COMMIT]   (default: the parent of the nettle change)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
old="${1:-$(git -C "$root" log --format=%H -1 -- Sources/CNettle)~1}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
SWIFTC="${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}"
git -C "$root" show "$old:Sources/StockadeEvents/SHA256.swift" | sed 's/public struct SHA256/public struct HandSHA256/; s/var hasher = SHA256()/var hasher = HandSHA256()/' > "$work/HandSHA256.swift"
cp "$root/Sources/StockadeEvents/SHA256.swift" "$work/SHA256.swift"
cp "$(dirname "$0")/main.swift" "$work/main.swift"
"$SWIFTC" -O -I "$root/Sources/CNettle" "$work/main.swift" "$work/HandSHA256.swift" "$work/SHA256.swift" -o "$work/bench"
"$work/bench"
