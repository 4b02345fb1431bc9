#!/usr/bin/env bash
# Image pipeline budget (DESIGN.md §11): imaging.Process against vipsthumbnail
# on the photos in ../shared/data/photos, side by side in one run, with PSNR
# against ImageMagick's Lanczos resize. Exits non-zero when the budget is
# missed. Extra arguments go to the Go program (-n repeats, -photos DIR, -keep,
# -time-limit: it starts no new round after half of it, for loaded machines).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v vipsthumbnail >/dev/null || missing+=(libvips-tools)
# identify, not convert: some machines have a stand-in convert without ImageMagick.
command -v identify >/dev/null || missing+=(imagemagick)
if ((${#missing[@]})); then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

exec timeout 900 go run ./bench/imagingbench "$@"
