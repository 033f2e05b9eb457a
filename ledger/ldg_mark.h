/* The committed-height mark: a small file in the store's directory (DB_PATH/COMMITTED)
 * that records the highest height the store has confirmed durable (a synced commit, or
 * ldg_chain_persist). RocksDB cannot tell a log cut short from a crash's torn tail; the
 * mark can: a store that opens below its mark has lost committed blocks
 * (specs/state.md §6.3).
 *
 * Two 32-byte slots, "FOLIOMRK" ‖ le64(height) ‖ le64(~height) ‖ 8 zero bytes, written
 * alternately (slot height & 1) so that a torn write leaves the other one; the mark is the
 * highest valid slot. It is written with pwrite after each durable point and fsynced when
 * the store closes: it survives the process at once and the machine within the kernel's
 * writeback delay, and it is never ahead of the store. */
#ifndef LDG_MARK_H
#define LDG_MARK_H

#include "ldg_assert.h"
#include "ldg_err.h"

#include <stdbool.h>
#include <stdint.h>

/* Reads the mark of the store at db_path: *present false (and *height 0) if there is none
 * or no slot is valid. */
ldg_err ldg_mark_read(const char *db_path, uint64_t *height, bool *present) LDG_WARN_UNUSED;
/* Opens (creating, mode 0600, never through a symlink) the mark for writing: a fd, or -1. */
int ldg_mark_open(const char *db_path);
ldg_err ldg_mark_write(int fd, uint64_t height) LDG_WARN_UNUSED;
/* fsyncs and closes. */
void ldg_mark_close(int fd);

#endif
