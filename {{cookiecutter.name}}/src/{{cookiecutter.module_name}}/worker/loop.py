"""The worker's loop: claim due jobs in one script, sleep until woken.

arq's own loop reads the queue every ``poll_delay`` and then races every
other worker for each id it read, in four round trips per job. This loop
claims as many due jobs as it has free slots in one script, with arq's own
in-progress keys and expiry, and waits on the queue's wake list, which the
API pushes to with every job (``queue.ENQUEUE_SCRIPT``). The rest (running,
retrying, aborting, results, health, cron) is arq's.
"""

import asyncio
from typing import override

from arq.constants import in_progress_key_prefix
from arq.utils import timestamp_ms, to_unix_ms
from arq.worker import Worker

from ..redis import wake_key

MIN_WAIT = 0.001  # seconds: Redis blocks for ever on a timeout of 0

CLAIM_SCRIPT = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1],
    'WITHSCORES', 'LIMIT', 0, ARGV[2])
local claimed, slots = {}, 2 * tonumber(ARGV[3])
for i = 1, #due, 2 do
    if #claimed >= slots then break end
    if redis.call('SET', ARGV[5] .. due[i], '1', 'NX', 'PX', ARGV[4]) then
        claimed[#claimed + 1] = due[i]
        claimed[#claimed + 1] = due[i + 1]
    end
end
local later = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf',
    'WITHSCORES', 'LIMIT', 0, 1)
return {claimed, later[2] or false}
"""
"""Claim up to ARGV[3] due jobs as arq's ``start_jobs`` does (a job whose
in-progress key exists runs elsewhere); return them with their scores, and
the score of the next job not yet due."""


class ClaimingWorker(Worker):
    """arq's worker with a loop that claims jobs in batches and is woken.

    ``poll_delay`` is the longest it waits when nothing wakes it: jobs
    queued by other arq clients start within it, as do aborts of running
    jobs.
    """

    @override
    async def main(self) -> None:
        self._claim = self.pool.register_script(CLAIM_SCRIPT)
        self._slot_freed = asyncio.Event()
        # arq's loop (arq.worker.poll) sleeps out what is left of its step
        # after each iteration; this one waits in _wait instead.
        self._longest_wait, self.poll_delay_s = self.poll_delay_s, 0
        await super().main()

    @override
    async def _poll_iteration(self) -> None:
        self._slot_freed.clear()  # a job that ends from here on wakes _wait
        await self.heart_beat()  # first: the cron jobs it queues are due
        slots = self.max_jobs - self.job_counter if self.allow_pick_jobs else 0
        if self.burst and self.max_burst_jobs >= 0:
            slots = min(slots, self.max_burst_jobs - self._jobs_started())
        full, next_due = False, None
        if slots > 0:
            full, next_due = await self._start_due_jobs(slots)
        if self.allow_abort_jobs and self.tasks:
            await self._cancel_aborted_jobs()
        for job_id, task in list(self.tasks.items()):
            if task.done():
                del self.tasks[job_id]
                task.result()  # as arq does: errors of run_job surface
        if not full:  # else more jobs may be due already
            await self._wait(slots, next_due)

    @override
    def _release_sem_dec_counter_on_complete(self) -> None:
        super()._release_sem_dec_counter_on_complete()
        self._slot_freed.set()

    async def _start_due_jobs(self, slots: int) -> tuple[bool, int | None]:
        """Claim and start up to ``slots`` jobs.

        Return whether it filled them, and when the next job is due.
        """
        now = timestamp_ms()
        keys = [self.queue_name]
        args: list[int | str] = [
            now,
            self.queue_read_limit,
            slots,
            int(self.in_progress_timeout_s * 1000),
            in_progress_key_prefix,
        ]
        claimed, later = await self._claim(keys, args)
        for raw_id, score in zip(claimed[::2], claimed[1::2], strict=True):
            job_id = raw_id.decode()
            await self.sem.acquire()  # free: no more than the free slots
            self.job_counter += 1
            task = self.loop.create_task(
                self.run_job(job_id, int(float(score)))
            )
            task.add_done_callback(
                lambda _: self._release_sem_dec_counter_on_complete()
            )
            self.tasks[job_id] = task
        full = len(claimed) // 2 >= slots
        return full, None if later is None else int(float(later))

    async def _wait(self, slots: int, next_due: int | None) -> None:
        """Wait until there may be something to do, at most poll_delay."""
        now = timestamp_ms()
        # The next health report too: its key expires a second after it.
        health = self._last_health_check + self.health_check_interval
        due = [int(health * 1000)] + ([] if next_due is None else [next_due])
        due += [to_unix_ms(c.next_run) for c in self.cron_jobs if c.next_run]
        timeout = min([self._longest_wait, *((d - now) / 1000 for d in due)])
        if timeout < MIN_WAIT:
            return
        if slots <= 0 or self.burst:
            # Full, or a burst: the next look is worth it once a job ends.
            try:
                async with asyncio.timeout(timeout):
                    await self._slot_freed.wait()
            except TimeoutError:
                pass
            return
        # redis-py types the timeout as whole seconds (Redis 6 takes
        # fractions) and the result as maybe not awaitable.
        key = wake_key(self.queue_name)
        await self.pool.blpop([key], timeout)  # type: ignore[arg-type,misc]
