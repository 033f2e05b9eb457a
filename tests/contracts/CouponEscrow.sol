// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./IFolioAssets.sol";

/// Holds cash (a native cash instrument) and pays a bond's coupon from it: for each
/// registered holder, couponPerUnit x the holder's native bond balance, once per period.
/// Fund it with a native transfer of cash to its address (through the precompile).
contract CouponEscrow {
    address public immutable owner;
    string public bond;
    string public cash;
    uint256 public couponPerUnit;
    address[] public holders;
    mapping(uint256 => bool) public paid;
    uint256 public totalPaid;

    event CouponPaid(uint256 indexed period, address indexed holder, uint256 amount);

    constructor(string memory bond_, string memory cash_, uint256 couponPerUnit_) {
        owner = msg.sender;
        bond = bond_;
        cash = cash_;
        couponPerUnit = couponPerUnit_;
    }

    function register(address holder) external {
        require(msg.sender == owner, "only the owner");
        require(holders.length < 100, "too many holders");
        holders.push(holder);
    }

    function holderCount() external view returns (uint256) {
        return holders.length;
    }

    function due() public view returns (uint256 total) {
        for (uint256 i = 0; i < holders.length; i++)
            total += FOLIO_ASSETS.balanceOf(bond, holders[i]) * couponPerUnit;
    }

    function funds() public view returns (uint256) {
        return FOLIO_ASSETS.balanceOf(cash, address(this));
    }

    function payCoupon(uint256 period) external returns (uint256 total) {
        require(msg.sender == owner, "only the owner");
        require(!paid[period], "coupon already paid");
        require(funds() >= due(), "escrow underfunded");
        paid[period] = true;
        for (uint256 i = 0; i < holders.length; i++) {
            uint256 amount = FOLIO_ASSETS.balanceOf(bond, holders[i]) * couponPerUnit;
            if (amount == 0) continue;
            require(FOLIO_ASSETS.transfer(cash, holders[i], amount), "cash transfer failed");
            total += amount;
            emit CouponPaid(period, holders[i], amount);
        }
        totalPaid += total;
    }
}
