# SPDX-License-Identifier: MIT
"""libc evasion from injected Python: ctypes.CDLL("libc.so.6") is dlopen +
dlsym, so its open() is libc's own, not the preloaded one."""
import ctypes
import os
import sys

libc = ctypes.CDLL("libc.so.6", use_errno=True)
fd = libc.open(os.environ["SEC_SECRET"].encode(), os.O_RDONLY)
if fd < 0:
    print(f"ctypes open: errno={ctypes.get_errno()}", file=sys.stderr)
else:
    data = os.read(fd, 65536)
    os.write(1, data)
    with open(os.path.join(os.environ["SEC_OUT"], "leak-ctypes"), "wb") as f:
        f.write(data)
