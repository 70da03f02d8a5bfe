#!/bin/sh
# Prepares MinIO for the creative subgraph. Run by the one-shot `minio-init` service of
# docker/compose.yaml (the MinIO client image, `mc`) on every `up`, once `minio` is
# healthy; creative starts only after it has exited 0.
#
# - the bucket S3_BUCKET (created if missing);
# - the policy `frontrow-creative`: listing that bucket (HeadBucket needs it) and
#   reading, writing and deleting its objects, nothing else;
# - the user `creative` with CREATIVE_S3_SECRET_KEY and that policy alone. Creative signs
#   with this key; MinIO's root user stays with minio and this script.
#
# Every step may be repeated: the bucket is kept, the policy and the user's secret are
# replaced (so a new CREATIVE_S3_SECRET_KEY in docker/.env takes effect at the next
# `up`), and attaching an attached policy changes nothing. No secret is printed.
set -eu

: "${MINIO_ROOT_PASSWORD:?is not set}"
: "${CREATIVE_S3_SECRET_KEY:?is not set}"
: "${S3_BUCKET:?is not set}"
endpoint="${MINIO_ENDPOINT:-minio:9000}"

# mc reads an alias from MC_HOST_<alias>, so no configuration file holds the password.
export MC_HOST_frontrow="http://frontrow:${MINIO_ROOT_PASSWORD}@${endpoint}"

mc mb --ignore-existing "frontrow/${S3_BUCKET}"

policy="${TMPDIR:-/tmp}/frontrow-creative-policy.json"
printf '%s\n' \
  '{' \
  '  "Version": "2012-10-17",' \
  '  "Statement": [' \
  "    { \"Effect\": \"Allow\", \"Action\": [\"s3:ListBucket\", \"s3:GetBucketLocation\"], \"Resource\": [\"arn:aws:s3:::${S3_BUCKET}\"] }," \
  "    { \"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"s3:PutObject\", \"s3:DeleteObject\"], \"Resource\": [\"arn:aws:s3:::${S3_BUCKET}/*\"] }" \
  '  ]' \
  '}' >"$policy"
mc admin policy create frontrow frontrow-creative "$policy"
rm -f "$policy"

mc admin user add frontrow creative "$CREATIVE_S3_SECRET_KEY" >/dev/null
echo "user creative: set"
mc admin policy attach frontrow frontrow-creative --user creative
echo "minio-init: bucket ${S3_BUCKET} and user creative are ready"
