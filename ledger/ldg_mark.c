#include "ldg_mark.h"
#include "ldg_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { SLOT_LEN = 32 };
static const char MAGIC[8] = {'F', 'O', 'L', 'I', 'O', 'M', 'R', 'K'};

static void mark_path(char out[NET_PATH_MAX], const char *db_path)
{
    snprintf(out, NET_PATH_MAX, "%s/COMMITTED", db_path);
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static bool slot_valid(const uint8_t *s, uint64_t *height)
{
    static const uint8_t zero[8];
    if (memcmp(s, MAGIC, 8) != 0 || memcmp(s + 24, zero, 8) != 0)
        return false;
    *height = get_le64(s + 8);
    return get_le64(s + 16) == ~*height;
}

ldg_err ldg_mark_read(const char *db_path, uint64_t *height, bool *present)
{
    char path[NET_PATH_MAX];
    mark_path(path, db_path);
    *height = 0;
    *present = false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? LDG_OK : LDG_ERR_IO;
    uint8_t buf[2 * SLOT_LEN];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    close(fd);
    if (n < 0)
        return LDG_ERR_IO;
    for (ssize_t off = 0; off + SLOT_LEN <= n; off += SLOT_LEN) {
        uint64_t h;
        if (slot_valid(buf + off, &h) && (!*present || h > *height)) {
            *height = h;
            *present = true;
        }
    }
    return LDG_OK;
}

int ldg_mark_open(const char *db_path)
{
    char path[NET_PATH_MAX];
    mark_path(path, db_path);
    return open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
}

ldg_err ldg_mark_write(int fd, uint64_t height)
{
    uint8_t s[SLOT_LEN] = {0};
    memcpy(s, MAGIC, 8);
    put_le64(s + 8, height);
    put_le64(s + 16, ~height);
    off_t off = (off_t)(height & 1) * SLOT_LEN;
    return pwrite(fd, s, sizeof s, off) == (ssize_t)sizeof s ? LDG_OK : LDG_ERR_IO;
}

void ldg_mark_close(int fd)
{
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}
