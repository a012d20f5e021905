#!/bin/sh
# Re-copy the reference facts from the shared folder they are maintained in
# (by default ../shared/reference beside the checkout), then record the date
# and a checksum of every file, so a later edit by hand shows up in
# tests/test_reference_data.py. Review `git diff` before committing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../../../shared/reference}
if [ ! -f "$src/expected_params.json" ]; then
    echo "refresh.sh: no reference data at $src (pass the folder as the first argument)" >&2
    exit 1
fi
for item in README.md expected_params.json hardware.json configs wave2; do
    rm -rf "${here:?}/$item"
    cp -R "$src/$item" "$here/$item"
done
chmod -R u+w "$here"
(cd "$here" && find README.md expected_params.json hardware.json configs wave2 -type f | LC_ALL=C sort \
    | xargs sha256sum > SHA256SUMS)
today=$(date -u +%Y-%m-%d)
sed "s/^Copied on: .*/Copied on: $today/" "$here/PROVENANCE.md" > "$here/PROVENANCE.md.tmp"
mv "$here/PROVENANCE.md.tmp" "$here/PROVENANCE.md"
echo "copied $src into $here on $today; review with: git diff --stat -- $here"
