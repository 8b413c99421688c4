"""The DRAM calendar of the perf runtime: bandwidth booked in time buckets, shared by the
transfers that overlap."""

from __future__ import annotations


class DramCalendar:
    """DRAM bandwidth over time, in buckets: a transfer takes what is left in each bucket from
    its start, at most its port's rate, until its bytes are moved. Total DRAM throughput never
    exceeds the bandwidth, and transfers that overlap in time share it.

    A bucket that has no bandwidth left moves nothing for anyone, so a transfer jumps over a
    run of them at once: ``full`` marks them, a byte per bucket, and ``bytearray.find`` finds
    the first bucket with room in one call (when DRAM is the bottleneck, a transfer starts a
    dozen full buckets before the first with room). What is left in each bucket is a list
    indexed by bucket (every transfer walks a dozen or more buckets, so this is the
    simulator's innermost loop); a bucket holds exactly 0.0 once it is full, and stays full."""

    def __init__(self, bytes_per_cycle: float, bucket_cycles: int = 256):
        self.rate = bytes_per_cycle
        self.width = bucket_cycles
        self.room: list[float] = []  # bytes left per bucket; an untouched one has all of it
        self.full = bytearray()  # 1 for a bucket with nothing left, as long as ``room``

    @property
    def left(self) -> dict[int, float]:
        """Bytes left in every bucket a transfer has taken some from, by bucket."""
        whole = self.rate * self.width
        return {b: r for b, r in enumerate(self.room) if r != whole}

    def transfer(self, start: float, size: float, port_rate: float) -> float:
        """When ``size`` bytes started at ``start`` have arrived."""
        width, room, full = self.width, self.room, self.full
        rate = port_rate if port_rate < self.rate else self.rate  # never faster than DRAM itself
        b = int(start // width)
        if b < len(full) and full[b] and size > 1e-9:  # as ``_with_room``, inline
            b = full.find(0, b)
            if b < 0:
                b = len(full)
            start = b * width
        try:
            r = room[b]
        except IndexError:
            r = self._room_at(b)
        span = rate * ((b + 1) * width - start)  # the first bucket from the start
        moved = r if r <= span else span  # the smallest of the three, as min()
        moved = size if size < moved else moved
        room[b] = r - moved
        if moved == r:
            full[b] = 1
        size -= moved
        if size <= 1e-9:
            end, bucket_end = start + moved / rate, (b + 1) * width
            return bucket_end if bucket_end < end else end
        whole = rate * width  # every later bucket from its beginning
        more = whole + 1e-6  # more to go than that: more than 1e-9 is left after a whole bucket
        while True:
            b += 1
            try:
                r = room[b]
            except IndexError:
                r = self._room_at(b)
            if r > whole and size > more:  # the common case: a whole bucket's worth, more to go
                room[b] = r - whole
                size -= whole
                continue
            if 0.0 < r < size and r <= whole:  # the next most common: all that is left in it
                room[b] = 0.0
                full[b] = 1
                size -= r
                if size > 1e-9:
                    continue
                moved = r
            else:
                if r == 0.0:  # full: jump to the first bucket with room
                    b = self._with_room(b)
                    r = self._room_at(b)
                moved = r if r <= whole else whole  # the smallest of the three, as in the first
                moved = size if size < moved else moved
                room[b] = r - moved
                if moved == r:
                    full[b] = 1
                size -= moved
                if size > 1e-9:
                    continue
            end, bucket_end = b * width + moved / rate, (b + 1) * width
            return bucket_end if bucket_end < end else end

    def _room_at(self, b: int) -> float:
        """What is left in bucket ``b``, the lists grown with untouched buckets to reach it."""
        room = self.room
        if b >= len(room):
            grow = max(b + 1 - len(room), 4096)
            room.extend([self.rate * self.width] * grow)
            self.full.extend(bytes(grow))
        return room[b]

    def _with_room(self, b: int) -> int:
        """The first bucket from ``b`` on with bandwidth left."""
        found = self.full.find(0, b)
        return len(self.full) if found < 0 else found
