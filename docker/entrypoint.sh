#!/bin/sh
# Entry point of the FrontRow image (docker/Dockerfile).
#
# Without arguments, starts the service that SERVICE names (`gateway`, or a subgraph
# directory under subgraphs/) the way its `npm start` script does, but with node
# itself as the process that receives SIGTERM, so the service drains and stops
# cleanly. With arguments, runs them in that service's directory instead.
set -eu

root="${FRONTROW_ROOT:-/app}"
service="${SERVICE:-}"

case "$service" in
  '')
    echo "frontrow-service: SERVICE is not set; use gateway or a subgraph name (e.g. identity)." >&2
    exit 64 ;;
  *[!a-z0-9_-]*)
    echo "frontrow-service: SERVICE=\"$service\" is not a workspace name." >&2
    exit 64 ;;
  kit)
    echo "frontrow-service: kit is the shared library, not a service." >&2
    exit 64 ;;
  gateway)
    dir="$root/gateway" ;;
  *)
    dir="$root/subgraphs/$service" ;;
esac

if [ ! -f "$dir/src/index.ts" ]; then
  echo "frontrow-service: SERVICE=$service has no $dir/src/index.ts." >&2
  exit 64
fi

cd "$dir"
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
exec node -r @frontrow/register src/index.ts
