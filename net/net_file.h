/* Writing files that others could have prepared a trap for (specs/rpc.md "Files").
 *
 * Every file the node or the CLI writes goes through net_file_write: the bytes go to a
 * fresh temporary file in the same directory, created with O_EXCL | O_NOFOLLOW (a planted
 * file or symlink is never opened, let alone written through), fsynced, then moved into
 * place. A symlink at the destination is replaced, never followed. Secrets use
 * NET_FILE_CREATE, which refuses to replace anything. */
#ifndef NET_FILE_H
#define NET_FILE_H

#include "ldg_assert.h"
#include "ldg_err.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum net_file_how {
    NET_FILE_REPLACE, /* rename over whatever is at path (a report, a config) */
    NET_FILE_CREATE,  /* only if nothing is at path (LDG_ERR_EXISTS otherwise): secrets */
} net_file_how;

/* Writes data to path atomically with the given mode. On failure err holds a sentence
 * naming the path and the cause, and nothing is left behind. */
ldg_err net_file_write(const char *path, const void *data, size_t len, int mode, net_file_how how,
                       char *err, size_t err_len) LDG_WARN_UNUSED;

/* A directory for secrets or a node home: created with mode 0700 if missing; if present it
 * must be a real directory (not a symlink) owned by this user that no one else can write.
 * err says which of those it is not. */
ldg_err net_dir_private(const char *path, char *err, size_t err_len) LDG_WARN_UNUSED;

#endif
