"""Classes trained in threads and on dask.distributed and Ray clusters through joblib's backends."""

import numpy as np
import pytest
from joblib import parallel_backend

from gansampler import GANOverSampler

# bit-identity across workers: CPU and fp32 (bf16 kernels round differently with
# a different number of threads per worker)
PARAMS = dict(max_epochs=1, width=4, latent_dim=8, random_state=0, n_jobs=2, device="cpu", sample_check=None,
              precision="fp32")


def _data():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (60, 8, 8)).astype(np.uint8)
    y = np.array([0] * 30 + [1] * 15 + [2] * 15)
    return X, y


def test_threading_backend_gives_the_same_output():
    X, y = _data()
    local, _ = GANOverSampler(**PARAMS).fit_resample(X, y)
    with parallel_backend("threading"):
        threaded, y_res = GANOverSampler(**PARAMS).fit_resample(X, y)
    np.testing.assert_array_equal(local, threaded)
    assert np.bincount(y_res).tolist() == [30, 30, 30]


def test_dask_backend_gives_the_same_output():
    distributed = pytest.importorskip("dask.distributed")
    X, y = _data()
    local, _ = GANOverSampler(**PARAMS).fit_resample(X, y)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    try:
        with distributed.Client(cluster) as client, parallel_backend("dask"):
            with distributed.get_task_stream(client) as stream:
                remote, y_res = GANOverSampler(**PARAMS).fit_resample(X, y)
    finally:
        cluster.close()
    assert len(stream.data) >= 2  # the two minority classes ran as cluster tasks
    np.testing.assert_array_equal(local, remote)
    assert np.bincount(y_res).tolist() == [30, 30, 30]


def test_ray_backend_gives_the_same_output():
    # Ray is not in the test extra (a large wheel): this runs where it is installed
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    X, y = _data()
    local, _ = GANOverSampler(**PARAMS).fit_resample(X, y)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        register_ray()
        with parallel_backend("ray"):
            remote, y_res = GANOverSampler(**PARAMS).fit_resample(X, y)
        # joblib's batches of tasks, as Ray ran them in its pool's actors
        tasks = [event for event in ray.timeline() if event.get("cat") == "task::PoolActor.run_batch"]
    finally:
        ray.shutdown()
    np.testing.assert_array_equal(local, remote)
    assert np.bincount(y_res).tolist() == [30, 30, 30]
    assert len(tasks) >= 1  # the classes ran on the Ray cluster, not in this process


def test_compare_runs_go_to_a_dask_cluster_through_joblib(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    from gansampler.benchmark import compare, load_benchmark_data

    data = load_benchmark_data("digits")
    kwargs = dict(methods=["none", "random"], seeds=2, clf_params={"max_epochs": 1}, quality=False, verbose=0)
    local = compare(data, tmp_path / "local", **kwargs).rows
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    try:
        with distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream:
            remote = compare(data, tmp_path / "remote", backend="dask", n_jobs=2, **kwargs).rows
    finally:
        cluster.close()
    assert len(stream.data) >= 4  # the four runs were the cluster's tasks
    score = lambda rows: {(r["method"], r["seed"]): r["balanced_accuracy"] for r in rows}  # noqa: E731
    assert score(remote) == score(local)
