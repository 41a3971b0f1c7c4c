#!/usr/bin/env bash
# Regenerates TypeScript types for proto/*.proto into src/generated (never edit those by hand).
# proto-loader-gen-types writes extension-less imports; NodeNext ESM needs ".js", so add it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/generated
for proto in "$@"; do
  npx --no-install proto-loader-gen-types --longs=Number --enums=String --defaults --oneofs --keepCase \
    --grpcLib=@grpc/grpc-js --outDir="$out" "$proto"
done
find "$out" -name '*.ts' -print0 | xargs -0 sed -i -E "s#(from '\.{1,2}/[^']*)';#\1.js';#; s#\.js\.js';#.js';#"
