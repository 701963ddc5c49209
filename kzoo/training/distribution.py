"""Choosing the `tf.distribute` strategy and this process's role in it: kzoo scales out through it, never its own engine.

A multi-worker run follows the tf.distribute conventions: one process per
worker, the cluster in `TF_CONFIG`, every worker running the same program; the
chief writes the run directory and the other workers write to their own
temporary folders (`workertemp_<index>`, removed at the end), while all of them
read the chief's checkpoints, so they resume from the same one.
"""

import dataclasses
import json
import logging
import os
import re

import tensorflow as tf

from kzoo.errors import check_choice, invalid_value

logger = logging.getLogger("kzoo")
STRATEGIES = ("auto", "default", "mirrored", "multi_worker", "tpu")
# How long a worker waits for the others (at start-up and in any one collective) before failing.
DEFAULT_WORKER_TIMEOUT_SECONDS = 300.0


def make_strategy(name="auto", *, tpu=None, worker_timeout=DEFAULT_WORKER_TIMEOUT_SECONDS):
    """The strategy called `name` (one of `STRATEGIES`).

    `auto`: a TPU when `tpu` is given, MultiWorkerMirrored when `TF_CONFIG`
    names several workers, Mirrored over several GPUs, else the default
    strategy. `multi_worker` reads the cluster from `TF_CONFIG`; a worker that
    cannot reach the others within `worker_timeout` seconds fails with an error
    instead of waiting forever. `tpu` connects to `tpu` (`"local"` on a TPU VM,
    the default). Call it before any other TensorFlow op: collectives must be
    configured at program start-up.

    Example:
        >>> strategy = make_strategy("multi_worker", worker_timeout=60)  # TF_CONFIG set by the launcher
    """
    check_choice("strategy", name, STRATEGIES)
    if worker_timeout is not None and not (isinstance(worker_timeout, (int, float)) and worker_timeout > 0):
        raise invalid_value("worker_timeout", "a number of seconds > 0", worker_timeout)
    cluster = _cluster_from_environment()
    if name == "auto":
        name = ("tpu" if tpu else "multi_worker" if _num_workers(cluster) > 1
                else "mirrored" if len(tf.config.list_physical_devices("GPU")) > 1 else "default")
    if name == "tpu":
        return _tpu_strategy(tpu)
    if name == "multi_worker":
        if not cluster.get("worker") and not cluster.get("chief"):
            raise ValueError(
                "The `multi_worker` strategy reads the cluster from the TF_CONFIG environment variable, which names "
                "no workers (TF_CONFIG="
                f"{os.environ.get('TF_CONFIG')!r}). Set it in every worker, e.g. "
                '{"cluster": {"worker": ["host1:2222", "host2:2222"]}, "task": {"type": "worker", "index": 0}}.'
            )
        _bound_the_wait_for_the_cluster(cluster, worker_timeout)
        try:
            return tf.distribute.MultiWorkerMirroredStrategy()
        except (RuntimeError, tf.errors.OpError) as error:  # the cluster did not form in time
            raise WorkerLostError(
                f"This worker could not reach the other workers of the cluster {cluster} within {worker_timeout:g} s "
                f"({_first_line(error)}). Start every worker (one process each, the same cluster in TF_CONFIG, its own task "
                "index) and check that their addresses and ports are reachable."
            ) from error
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def _tpu_strategy(tpu):
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=None if tpu in (None, "local") else tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:  # what TensorFlow raises varies with the host
        raise ValueError(
            f"No TPU found at {tpu or 'local'!r} ({_first_line(error)}). On a Cloud TPU VM or a Colab TPU runtime use "
            "`--tpu local`; for a remote TPU give its name or grpc:// address; without a TPU use `--strategy auto`."
        ) from error
    return tf.distribute.TPUStrategy(resolver)


def _cluster_from_environment():
    try:
        return json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster", {})
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON ({error}): {os.environ.get('TF_CONFIG')!r}") from None


def _num_workers(cluster):
    return len(cluster.get("worker", [])) + len(cluster.get("chief", []))


def _bound_the_wait_for_the_cluster(cluster, seconds):
    """Makes a worker fail when the others have not all joined within `seconds`.

    MultiWorkerMirroredStrategy sets up TensorFlow's coordination service with
    no limit on the wait for the cluster, unless one is configured first, as
    here, the way the strategy itself would (same leader and jobs). During the
    run the service's heartbeats detect a lost worker (about 10 s). The public
    `CommunicationOptions(timeout_seconds=...)` is no substitute: it starts a
    thread per collective that sleeps for the whole timeout, thousands per
    epoch, until the process cannot start any more (TF 2.21 on CPU).
    """
    from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
    from tensorflow.python.eager import context

    jobs = [coordination_config_pb2.CoordinatedJob(name=job, num_tasks=len(cluster[job]))
            for job in ("chief", "worker") if cluster.get(job)]
    leader = "/job:chief/replica:0/task:0" if cluster.get("chief") else "/job:worker/replica:0/task:0"
    context.context().configure_coordination_service(
        service_type="standalone", service_leader=leader, coordinated_jobs=jobs,
        cluster_register_timeout_in_ms=int(seconds * 1000),
    )


class WorkerLostError(RuntimeError):
    """A worker of a multi-worker run could not be reached (at start-up, or it stopped during the run)."""


def lost_worker_error(error, run_dir):
    """A `WorkerLostError` explaining a collective aborted because a peer is gone, and how to resume."""
    peers = sorted(set(re.findall(r"/job:\w+/replica:\d+/task:\d+", str(error))))
    return WorkerLostError(
        f"Lost contact with another worker ({', '.join(peers) or _first_line(error)}): the cluster stopped. Start "
        f"every worker again with the same command; the run resumes from its last checkpoint in {run_dir!r}."
    )


def _first_line(error):
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__


@dataclasses.dataclass(frozen=True)
class WorkerRole:
    """This process's place in the cluster: `num_workers` processes, of which one is the chief."""

    task_type: str | None
    task_id: int
    num_workers: int
    is_chief: bool

    @classmethod
    def of(cls, strategy):
        resolver = getattr(strategy, "cluster_resolver", None)
        if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or resolver is None:
            return cls(task_type=None, task_id=0, num_workers=1, is_chief=True)
        cluster = resolver.cluster_spec().as_dict()
        task_type, task_id = resolver.task_type, int(resolver.task_id or 0)
        is_chief = task_type == "chief" or (task_type == "worker" and task_id == 0 and "chief" not in cluster)
        return cls(task_type, task_id, _num_workers(cluster), is_chief)

    def write_dir(self, run_dir):
        """Where this process writes: the run directory for the chief, a `workertemp_<id>` folder for the others."""
        return run_dir if self.is_chief else os.path.join(run_dir, f"workertemp_{self.task_id}")


def agree_across_workers(strategy, value, what):
    """`value` (an int), checked to be the same on every worker; a clear error where they differ."""
    if WorkerRole.of(strategy).num_workers == 1:
        return value
    local = tf.constant([value], tf.int64)
    values = sorted(set(strategy.gather(strategy.run(lambda: local), axis=0).numpy().tolist()))
    if len(values) > 1:
        raise RuntimeError(f"The workers disagree on {what}: {values}. Do all workers see the same run directory "
                           "(a shared file system) and the same data?")
    return value


def describe(strategy):
    role = WorkerRole.of(strategy)
    workers = f", {role.num_workers} workers" if role.num_workers > 1 else ""
    return f"{type(strategy).__name__} ({strategy.num_replicas_in_sync} replica(s){workers})"
