/* Bucket hashes for tables keyed by values an outsider can choose: transaction ids (the
 * pool) and sender keys (admission's sender cache). Both are already uniform (a SHA-256
 * output, a curve point's x coordinate), but a sender can grind them: taking the first bytes
 * as the bucket let a registered sender build long collision chains at the cost of a few
 * hashes per entry. The bucket is therefore a keyed mix of all 32 bytes under a secret drawn
 * from the OS at process start: an NH-style universal hash (two 64x64->128 products of the
 * words offset by key words) folded and multiplied by an odd key. For any two distinct
 * inputs fixed without knowledge of the key the chance they share a bucket is about that of
 * a random function, so collisions cannot be targeted; nothing here is a digest or a MAC,
 * and nothing depends on it for integrity (a full 32-byte compare decides every match). */
#ifndef NET_MIX_H
#define NET_MIX_H

#include <stdint.h>

/* The bucket hash of 32 bytes under this process's secret key (drawn on first use). */
uint64_t net_mix32(const uint8_t b[32]);

#endif
