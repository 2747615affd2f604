#!/usr/bin/python3
"""Differential check of `freshet folds` against scikit-learn on random data (not a unit test:
it needs Python with sklearn). Usage: /usr/bin/python3 xval/fuzz_vs_sklearn.py FRESHET_BINARY
Prints the number of (configuration, splitter) cases whose folds CSV (or error) differs."""
import numpy as np, os, subprocess, sys, tempfile
from sklearn.model_selection import *
B=sys.argv[1] if len(sys.argv) > 1 else 'build/freshet'
rng=np.random.default_rng(1)
TABLE=os.path.join(tempfile.mkdtemp(), 't.csv')
bad=0; total=0
def ref(spl, X, y, g):
    out=["split,row,role"]
    for i,(tr,te) in enumerate(spl.split(X,y,g)):
        out+= [f"{i},{r},train" for r in tr]+[f"{i},{r},test" for r in te]
    return "\n".join(out)+"\n"
for trial in range(120):
    n=int(rng.integers(8,60)); ncls=int(rng.integers(2,5)); ng=int(rng.integers(3,15))
    y=rng.integers(0,ncls,n); 
    # make sure each class has >=2
    y[:2*ncls]=np.repeat(np.arange(ncls),2); rng.shuffle(y)
    g=rng.integers(0,ng,n)
    X=np.zeros((n,1))
    with open(TABLE,'w') as f:
        f.write('x,y,g\n'); f.writelines(f"0,{a},{b}\n" for a,b in zip(y,g))
    seed=int(rng.integers(0,2**32-1)); k=int(rng.integers(2,5))
    cases=[(f"kfold:n_splits={k},shuffle=true,random_state={seed}",KFold(k,shuffle=True,random_state=seed)),
      (f"stratified_kfold:n_splits=2,shuffle=true,random_state={seed}",StratifiedKFold(2,shuffle=True,random_state=seed)),
      (f"repeated_stratified_kfold:n_splits=2,n_repeats=3,random_state={seed}",RepeatedStratifiedKFold(n_splits=2,n_repeats=3,random_state=seed)),
      (f"shuffle_split:n_splits=3,test_size=0.3,train_size=0.5,random_state={seed}",ShuffleSplit(3,test_size=0.3,train_size=0.5,random_state=seed)),
      (f"shuffle_split:n_splits=3,test_size=5,random_state={seed}",ShuffleSplit(3,test_size=5,random_state=seed)),
      (f"stratified_shuffle_split:n_splits=3,test_size=0.37,random_state={seed}",StratifiedShuffleSplit(3,test_size=0.37,random_state=seed)),
      (f"stratified_shuffle_split:n_splits=2,test_size={ncls+1},train_size=0.4,random_state={seed}",StratifiedShuffleSplit(2,test_size=ncls+1,train_size=0.4,random_state=seed)),
      (f"group_kfold:n_splits=3",GroupKFold(3)),
      (f"time_series_split:n_splits=3,test_size=2,gap=1",TimeSeriesSplit(3,test_size=2,gap=1)),
      (f"leave_p_out:p=2",LeavePOut(2)),
    ]
    for spec,spl in cases:
        if spec.startswith("leave_p_out") and n>30: continue
        if spec.startswith("group_kfold") and len(set(g))>16: continue
        try: want=ref(spl,X,y,g)
        except ValueError as e: want="ERR"
        r=subprocess.run([B,'folds','-q',TABLE,'--cv',spec,'--target','y','--groups','g'],capture_output=True,text=True)
        got=r.stdout if r.returncode==0 else "ERR"
        total+=1
        if got!=want:
            bad+=1
            if bad<5: print("MISMATCH",spec,n, r.stderr[:200], want[:80])
print(bad, "of", total, "cases differ")
sys.exit(1 if bad else 0)
