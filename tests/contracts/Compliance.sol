// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./IFolioAssets.sol";

/// Compliance for one native instrument: at most `maxHolders` holders, and a lockup until
/// `lockupUntil` (block time, seconds) during which only the owner (the issuer) may transfer.
/// Attach it with `folio contract attach ISIN ADDRESS`; the ledger then calls canTransfer on
/// every transfer and settlement leg of the instrument.
contract Compliance {
    address public immutable owner;
    string public isin;
    uint256 public maxHolders;
    uint256 public lockupUntil;

    event RulesChanged(uint256 maxHolders, uint256 lockupUntil);

    constructor(string memory isin_, uint256 maxHolders_, uint256 lockupUntil_) {
        owner = msg.sender;
        isin = isin_;
        maxHolders = maxHolders_;
        lockupUntil = lockupUntil_;
        emit RulesChanged(maxHolders_, lockupUntil_);
    }

    function setRules(uint256 maxHolders_, uint256 lockupUntil_) external {
        require(msg.sender == owner, "only the owner");
        maxHolders = maxHolders_;
        lockupUntil = lockupUntil_;
        emit RulesChanged(maxHolders_, lockupUntil_);
    }

    function canTransfer(address from, address to, uint256 amount) external view returns (bool) {
        if (amount == 0) return false;
        if (block.timestamp < lockupUntil && from != owner) return false;
        if (FOLIO_ASSETS.balanceOf(isin, to) == 0) {
            (, , , , uint256 holders) = FOLIO_ASSETS.instrument(isin);
            // the sender leaving entirely frees a place
            bool leaves = FOLIO_ASSETS.balanceOf(isin, from) == amount;
            if (holders >= maxHolders && !leaves) return false;
        }
        return true;
    }

    /// Why a transfer would be refused, for people ("" if allowed).
    function check(address from, address to, uint256 amount) external view returns (string memory) {
        if (amount == 0) return "zero amount";
        if (block.timestamp < lockupUntil && from != owner) return "locked up";
        if (!this.canTransfer(from, to, amount)) return "investor cap reached";
        return "";
    }
}
