-- A service has at most one catalog row on any day, so a charge maps to exactly one owner.
-- Fails with each pair of overlapping validity intervals of the same service.
with

services as (
    select * from {{ ref('dim_services') }}
)

select
    earlier.service_id,
    earlier.valid_from as earlier_valid_from,
    earlier.valid_to as earlier_valid_to,
    later.valid_from as later_valid_from,
    later.valid_to as later_valid_to
from services as earlier
inner join services as later
    on
        earlier.service_id = later.service_id
        and earlier.valid_from < later.valid_from
where earlier.valid_to is null or earlier.valid_to > later.valid_from
