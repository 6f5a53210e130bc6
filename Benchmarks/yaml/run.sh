#!/bin/sh
# Profile reading, old build vs new build (docs/performance.md, "Profiles read with libyaml").
#   Benchmarks/yaml/run.sh OLD_REPO NEW_REPO
# Each REPO is a checkout already built with the Makefile's RELEASE_FLAGS
# (.build/release). Prints in-process parse+decode times of the shipped
# profiles and paired start-up differences (old and new alternate run by run,
# so drift on a shared machine cancels out).
set -eu
old=$1; new=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/ws"
for which in old new; do
    repo=$(eval echo \$$which); r=$repo/.build/release
    extra=""
    [ -f "$repo/Sources/CYaml/module.modulemap" ] && extra="-lyaml -Xcc -fmodule-map-file=$repo/Sources/CYaml/module.modulemap"
    swiftc -O -I "$r/Modules" -Xcc -fmodule-map-file="$repo/Sources/CSeccomp/module.modulemap" $extra \
        "$here/decode_loop.swift" "$r"/StockadeProfile.build/*.o "$r"/StockadeSeccomp.build/*.o "$r"/StockadeEvents.build/*.o \
        -lseccomp -o "$tmp/decode-$which" 2>/dev/null
    echo "$which:"; "$tmp/decode-$which" "$new/profiles"
done
cd "$new"
python3 "$here/paired.py" "$old/.build/release/sandbox-run" "$new/.build/release/sandbox-run" --help
python3 "$here/paired.py" "$old/.build/release/sandbox-run" "$new/.build/release/sandbox-run" check ./profiles/agent.yaml
python3 "$here/paired.py" "$old/.build/release/sandbox-run" "$new/.build/release/sandbox-run" \
    --dry-run --profile ./profiles/agent.yaml --workspace "$tmp/ws" -- /bin/true
