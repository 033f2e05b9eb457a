#include "net_file.h"
#include "ldg_key.h"
#include "ldg_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens a new temporary file beside path: path.tmp-<16 hex>, never an existing one. */
static int open_temp(const char *path, int mode, char tmp[NET_PATH_MAX + 32])
{
    for (int attempt = 0; attempt < 8; attempt++) {
        uint8_t r[8];
        char hex[17];
        if (ldg_random(r, sizeof r) != LDG_OK)
            return -1;
        ldg_hex_encode(hex, r, sizeof r);
        snprintf(tmp, NET_PATH_MAX + 32, "%s.tmp-%s", path, hex);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

static bool write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

/* The rename is durable only once the directory is synced. */
static void sync_dir_of(const char *path)
{
    char dir[NET_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

ldg_err net_file_write(const char *path, const void *data, size_t len, int mode, net_file_how how,
                       char *err, size_t err_len)
{
    if (strlen(path) >= NET_PATH_MAX) {
        snprintf(err, err_len, "the path %.64s... is too long", path);
        return LDG_ERR_INVALID;
    }
    char tmp[NET_PATH_MAX + 32];
    int fd = open_temp(path, mode, tmp);
    if (fd < 0) {
        snprintf(err, err_len, "cannot create a temporary file beside %s: %s", path,
                 strerror(errno));
        return LDG_ERR_IO;
    }
    if (!write_all(fd, data, len) || fsync(fd) != 0) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        return LDG_ERR_IO;
    }
    if (close(fd) != 0) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return LDG_ERR_IO;
    }
    /* link() fails if anything, a symlink included, is at path: create-only, atomically. */
    int rc = how == NET_FILE_CREATE ? link(tmp, path) : rename(tmp, path);
    int saved = errno;
    if (how == NET_FILE_CREATE || rc != 0)
        unlink(tmp);
    if (rc != 0) {
        if (saved == EEXIST) {
            snprintf(err, err_len, "%s already exists; it is left as it is", path);
            return LDG_ERR_EXISTS;
        }
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(saved));
        return LDG_ERR_IO;
    }
    sync_dir_of(path);
    return LDG_OK;
}

ldg_err net_dir_private(const char *path, char *err, size_t err_len)
{
    if (mkdir(path, 0700) == 0)
        return LDG_OK;
    if (errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
        return LDG_ERR_IO;
    }
    struct stat st;
    if (lstat(path, &st) != 0) {
        snprintf(err, err_len, "cannot examine %s: %s", path, strerror(errno));
        return LDG_ERR_IO;
    }
    if (S_ISLNK(st.st_mode)) {
        snprintf(err, err_len, "%s is a symbolic link; secrets are kept only in a real directory",
                 path);
        return LDG_ERR_INVALID;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, err_len, "%s exists and is not a directory", path);
        return LDG_ERR_INVALID;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, err_len, "%s belongs to another user (uid %u)", path, (unsigned)st.st_uid);
        return LDG_ERR_INVALID;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, err_len, "%s can be written by other users (mode %04o); chmod go-w it first",
                 path, (unsigned)(st.st_mode & 07777));
        return LDG_ERR_INVALID;
    }
    return LDG_OK;
}
