class WorkerError(RuntimeError):
    pass
def init(*a): raise NotImplementedError
peach = share = shared = start = stop = init
