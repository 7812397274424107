#!/bin/sh
# norandom.sh CMD... - run CMD with address-space randomisation off.
# ThreadSanitizer (gcc 12, clang 14) fails with "unexpected memory mapping"
# on kernels whose mmap randomisation is high; a fixed layout avoids that.
if setarch "$(uname -m)" -R true 2>/dev/null; then
    exec setarch "$(uname -m)" -R "$@"
fi
exec "$@"
