#!/bin/sh
# Baseline for the end-to-end benchmark: the same four requests as `snapshotplot publish`
# (publish, PUT plot, PUT code, finalize) made by curl. Usage:
#   curl-publish.sh API_URL TOKEN PROJECT_ID TITLE PLOT.png CODE.py
set -eu
api=$1 token=$2 project=$3 title=$4 plot=$5 code=$6
resp=$(curl -sfS -X POST "$api/api/snapshots/publish" \
  -H "authorization: Bearer $token" -H 'content-type: application/json' \
  --data "{\"project_id\":\"$project\",\"title\":\"$title\",\"artifacts\":{\"plot\":true,\"code\":true}}")
id=$(printf '%s' "$resp" | sed -n 's/.*"snapshot_id":"\([^"]*\)".*/\1/p')
plot_url=$(printf '%s' "$resp" | sed -n 's/.*"upload_urls":{[^}]*"plot":"\([^"]*\)".*/\1/p')
code_url=$(printf '%s' "$resp" | sed -n 's/.*"upload_urls":{[^}]*"code":"\([^"]*\)".*/\1/p')
curl -sfS -o /dev/null -X PUT "$plot_url" -H 'content-type: image/png' --data-binary "@$plot"
curl -sfS -o /dev/null -X PUT "$code_url" -H 'content-type: text/x-python' --data-binary "@$code"
curl -sfS -o /dev/null -X POST "$api/api/snapshots/finalize" \
  -H "authorization: Bearer $token" -H 'content-type: application/json' \
  --data "{\"project_id\":\"$project\",\"snapshot_id\":\"$id\"}"
echo "$id"
