"""Hand cells to joblib (loky), Dask distributed or Ray and yield outcomes as they finish.

None of them is re-implemented: deepgrad submits `run_cell` calls and gathers the results.
Dask: `scheduler="tcp://host:port"` connects (failing within `timeout` seconds when nothing
answers), `scheduler=None` starts a LocalCluster of n_jobs worker processes on 127.0.0.1. A Dask
worker that dies during a cell has the cell retried on another worker (`retries`) and, if that
also fails, the cell is reported failed with the error. Ray: `ray.init(address=address)`.
"""

from deepgrad.sweep.targets import run_cell


def run_joblib(target, todo, n_jobs):
    from joblib import Parallel, delayed

    jobs = (delayed(run_cell)(target, params, seed) for params, seed in todo)
    outcomes = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")(jobs)
    yield from zip(todo, outcomes)


def run_dask(target, todo, n_jobs, scheduler=None, timeout=5, retries=1):
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ImportError("backend='dask' needs dask distributed: pip install 'deepgrad[sweep]'")
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(n_workers=n_jobs, threads_per_worker=1, host="127.0.0.1",
                                   dashboard_address=None, processes=True)
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout=timeout)
            except (OSError, TimeoutError) as error:
                raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler} within "
                                      f"{timeout} s: {error}") from None
        with client:
            futures = {client.submit(run_cell, target, params, seed, pure=False,
                                     retries=retries): (params, seed) for params, seed in todo}
            for future in as_completed(futures):
                cell = futures[future]
                try:
                    yield cell, future.result()
                except Exception as error:  # noqa: BLE001 -- e.g. the worker died twice
                    yield cell, {"status": "failed", "metrics": {}, "seconds": None,
                                 "error": f"{type(error).__name__}: {error}"}
    finally:
        if cluster is not None:
            cluster.close()


def run_ray(target, todo, address=None):
    try:
        import ray
    except ImportError:
        raise ImportError("backend='ray' needs ray: pip install 'deepgrad[sweep]'")
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(max_retries=1)(run_cell)
        pending = {remote.remote(target, params, seed): (params, seed) for params, seed in todo}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            cell = pending.pop(done[0])
            try:
                yield cell, ray.get(done[0])
            except Exception as error:  # noqa: BLE001 -- a lost worker after its retry
                yield cell, {"status": "failed", "metrics": {}, "seconds": None,
                             "error": f"{type(error).__name__}: {error}"}
    finally:
        if started:
            ray.shutdown()
