#!/usr/bin/env bash
# Builds a ThreadSanitizer-instrumented libtbb for scripts/sanitize.sh thread, and prints
# the directory of its TBBConfig.cmake.
#
#   scripts/tsan-onetbb.sh [DIR]      (default DIR: build-tsan/onetbb)
#
# Why: Debian's libtbb.so is not built with -fsanitize=thread, so TSan cannot see the
# synchronisation inside oneTBB's scheduler. Every hand-off of a task to a worker (and the
# join after it) then looks like a data race, and the only way out is a suppression that
# hides every access made inside a TBB task, i.e. exactly the kernel code TSan is meant to
# check. So this script takes the Debian *source* package of the very libtbb version that
# is installed (apt-get source: the same mirror apt-get install uses, Debian's patches
# applied by dpkg-source), builds only libtbb with oneTBB's own TBB_SANITIZE=thread option
# (about 15 s on 2 cores), and installs it under DIR. The result is cached: a second run
# with the same installed version does nothing. Nothing of it is committed or vendored.
# apt state and downloads go to DIR, not /var/lib/apt (run as root, as CI does).
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(dpkg-query -W -f='${Version}' libtbb-dev 2>/dev/null) ||
  { echo "tsan-onetbb: libtbb-dev is not installed (run scripts/install-deps.sh)" >&2; exit 2; }
dir=$(realpath -m "${1:-build-tsan/onetbb}")/$version
config_dir=$dir/inst/lib/cmake/TBB
if [[ -f $config_dir/TBBConfig.cmake ]]; then
  echo "$config_dir"
  exit 0
fi
for tool in apt-get dpkg-source cmake; do
  command -v "$tool" >/dev/null || { echo "tsan-onetbb: $tool not found (dpkg-dev provides dpkg-source)" >&2; exit 2; }
done

rm -rf "$dir"
mkdir -p "$dir/apt/lists/partial" "$dir/apt/archives/partial" "$dir/src-pkg"
# A deb-src twin of every configured Debian source (deb822 .sources and one-line .list).
srclist=$dir/apt/deb-src.sources
: >"$srclist"
for f in /etc/apt/sources.list.d/*.sources; do
  [[ -f $f ]] && sed -E 's/^Types:.*/Types: deb-src/' "$f" >>"$srclist" && echo >>"$srclist"
done
oneline=$dir/apt/deb-src.list
: >"$oneline"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [[ -f $f ]] && sed -nE 's/^deb[[:space:]]+/deb-src /p' "$f" >>"$oneline"
done
apt_opts=(-o "Dir::Etc::SourceList=$oneline" -o "Dir::Etc::SourceParts=$dir/apt/parts"
          -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache::Archives=$dir/apt/archives"
          -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
mkdir -p "$dir/apt/parts"
cp "$srclist" "$dir/apt/parts/deb-src.sources"

echo "tsan-onetbb: fetching the Debian source of onetbb $version" >&2
apt-get "${apt_opts[@]}" update -qq >&2
(cd "$dir/src-pkg" && apt-get "${apt_opts[@]}" source --download-only -qq "onetbb=$version" >&2)
dpkg-source --no-check -x "$dir"/src-pkg/onetbb_*.dsc "$dir/src" >/dev/null

echo "tsan-onetbb: building libtbb with -fsanitize=thread" >&2
generator=(); command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$dir/src" -B "$dir/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_SANITIZE=thread \
  -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF \
  -DCMAKE_INSTALL_PREFIX="$dir/inst" >/dev/null
cmake --build "$dir/build" -j2 --target tbb >/dev/null
cmake --install "$dir/build" >/dev/null
[[ -f $config_dir/TBBConfig.cmake ]] || { echo "tsan-onetbb: build produced no $config_dir/TBBConfig.cmake" >&2; exit 1; }
echo "$config_dir"
