-- The overview's counts (DeliveryStats) read the account's log by its
-- primary key from the first delivery ID of the period: delivery IDs are
-- made when the attempt is, so they are in attempt order. The index by
-- attempt time cost a b-tree write per delivery and is dropped.
DROP INDEX deliveries_attempted;
