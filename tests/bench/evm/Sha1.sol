// SPDX-License-Identifier: MIT
// SHA-1 in Solidity, a compute-heavy benchmark for folio's EVM (tests/bench/bench_evm.c).
// Compiled with solc 0.8.26, optimizer on (200 runs), evmVersion cancun; the runtime
// bytecode is in Sha1.bin-runtime (see compile.js).
pragma solidity 0.8.26;

contract Sha1 {
    function rotl(uint32 x, uint32 n) private pure returns (uint32) {
        unchecked {
            return (x << n) | (x >> (32 - n));
        }
    }

    function sha1(bytes memory data) public pure returns (bytes20) {
        unchecked {
            uint32[5] memory h = [uint32(0x67452301), 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
            uint256 ml = data.length;
            uint256 padded = ((ml + 8) / 64 + 1) * 64;
            bytes memory m = new bytes(padded);
            for (uint256 i = 0; i < ml; i++) m[i] = data[i];
            m[ml] = 0x80;
            uint256 bits = ml * 8;
            for (uint256 k = 0; k < 8; k++) m[padded - 1 - k] = bytes1(uint8(bits >> (8 * k)));
            uint32[80] memory w;
            for (uint256 off = 0; off < padded; off += 64) {
                for (uint256 j = 0; j < 16; j++) {
                    uint256 p = off + 4 * j;
                    w[j] = (uint32(uint8(m[p])) << 24) | (uint32(uint8(m[p + 1])) << 16) |
                        (uint32(uint8(m[p + 2])) << 8) | uint32(uint8(m[p + 3]));
                }
                for (uint256 j = 16; j < 80; j++) w[j] = rotl(w[j - 3] ^ w[j - 8] ^ w[j - 14] ^ w[j - 16], 1);
                uint32 a = h[0];
                uint32 b = h[1];
                uint32 c = h[2];
                uint32 d = h[3];
                uint32 e = h[4];
                for (uint256 j = 0; j < 80; j++) {
                    uint32 f;
                    uint32 k;
                    if (j < 20) {
                        f = (b & c) | (~b & d);
                        k = 0x5A827999;
                    } else if (j < 40) {
                        f = b ^ c ^ d;
                        k = 0x6ED9EBA1;
                    } else if (j < 60) {
                        f = (b & c) | (b & d) | (c & d);
                        k = 0x8F1BBCDC;
                    } else {
                        f = b ^ c ^ d;
                        k = 0xCA62C1D6;
                    }
                    uint32 t = rotl(a, 5) + f + e + k + w[j];
                    e = d;
                    d = c;
                    c = rotl(b, 30);
                    b = a;
                    a = t;
                }
                h[0] += a;
                h[1] += b;
                h[2] += c;
                h[3] += d;
                h[4] += e;
            }
            return bytes20((uint160(h[0]) << 128) | (uint160(h[1]) << 96) | (uint160(h[2]) << 64) |
                (uint160(h[3]) << 32) | uint160(h[4]));
        }
    }

    // Hashes `len` bytes (byte i = i mod 251) `rounds` times, feeding each digest's first
    // byte back into the data so no round can be skipped.
    function bench(uint256 len, uint256 rounds) external pure returns (bytes20 digest) {
        bytes memory d = new bytes(len);
        for (uint256 i = 0; i < len; i++) d[i] = bytes1(uint8(i % 251));
        for (uint256 r = 0; r < rounds; r++) {
            digest = sha1(d);
            if (len > 0) d[0] = digest[0];
        }
    }
}
