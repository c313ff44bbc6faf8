"""Field types shared by the API schemas."""

from typing import Annotated

from ninja import Field

# A primary key: positive and within PostgreSQL's bigint, so an absurd id is a
# 422 from validation instead of a database overflow.
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]
