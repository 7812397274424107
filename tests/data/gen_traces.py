#!/usr/bin/env python3
# gen_traces.py - writes the small traces of tests/data/lint/ (each lint's
# firing trace and its near miss), tests/data/why-chan.jsonl and
# tests/data/why-cause.jsonl. They are
# committed; run this only to change them: python3 tests/data/gen_traces.py
# Each event gets t += 10 ns (or dt) and the next seq of its thread.
import json, os
HERE=os.path.dirname(os.path.abspath(__file__))
OUT=os.path.join(HERE,'lint')
HDR={"format":"wta-trace","version":1,"runtime":"0.1.0","program":"lint","mode":"deterministic","seed":1,"workers":2,"scheduler":"global","bugs":[],"clock":"virtual","start_unix_ns":0}
class T:
    def __init__(s): s.ev=[]; s.t=0; s.seq={}
    def e(s, th, ev, dt=10, **f):
        s.t+=dt
        d={"t":s.t,"th":th,"seq":s.seq.get(th,0),"ev":ev}; d.update(f)
        s.seq[th]=d["seq"]+1; s.ev.append(d); return s
    def spawn(s,th,task,name="t"): return s.e(th,"task.spawn",task=task,parent=0,name=name,file="l.c",line=1)
    def push(s,th,task,n=1): return s.e(th,"queue.push",task=task,queue="global",len=n)
    def pop(s,th,task,n=0): return s.e(th,"queue.pop",task=task,queue="global",len=n)
    def pb(s,th,task,p,dt=10): return s.e(th,"poll.begin",dt=dt,task=task,poll=p)
    def pe(s,th,task,p,res="pending",nxt="idle",dt=10): return s.e(th,"poll.end",dt=dt,task=task,poll=p,result=res,next=nxt)
    def wake(s,th,task,src,out,by=0,cause=None):
        if cause is None: return s.e(th,"waker.wake",task=task,source=src,outcome=out,by=by,by_ref=False)
        return s.e(th,"waker.wake",task=task,source=src,outcome=out,by=by,by_ref=False,cause=cause)
    def write(s,name,end=True,version=1):
        # the OUT at call time: lint/ for lint traces, tests/data/ for the rest
        if end: s.e("main","trace.end",dropped=0,complete=True)
        with open(os.path.join(OUT,name+'.jsonl'),'w') as f:
            f.write(json.dumps(dict(HDR,version=version),separators=(',',':'))+'\n')
            for d in s.ev: f.write(json.dumps(d,separators=(',',':'))+'\n')
def run1(t, task=1):
    return t.spawn("main",task).push("main",task).pop("w0",task).pb("w0",task,1)
# lost wakeup
t=run1(T()); t.e("w0","waker.clone",task=1,wakers=1).pe("w0",1,1).e("main","waker.drop",task=1,wakers=0); t.write("lost-wakeup")
t=run1(T()); t.e("w0","waker.clone",task=1,wakers=1).pe("w0",1,1); t.write("lost-wakeup-near")
# wake lost while running (W2)
t=run1(T()); t.wake("main",1,"timer","lost").pe("w0",1,1,"ready","done"); t.write("wake-lost-while-running")
t=run1(T()); t.wake("main",1,"timer","notified-while-running").pe("w0",1,1,"pending","requeue").push("w0",1).pop("w1",1).pb("w1",1,2).pe("w1",1,2,"ready","done"); t.write("wake-lost-while-running-near")
# main flag overwritten (W1)
def mainflag(t, wake_during):
    t.e("main","block_on.begin",name="m")
    if not wake_during: t.e("w0","main.wake",source="task",by=0,was_ready=False)
    t.e("main","main.poll.begin",poll=1)
    if wake_during: t.e("w0","main.wake",source="task",by=0,was_ready=False)
    t.e("main","main.poll.end",poll=1,result="pending").e("main","main.flag",was_ready=True,when="after-poll")
    return t
mainflag(T(),True).write("main-flag-overwritten"); mainflag(T(),False).write("main-flag-overwritten-near")
# parked with work (W3)
t=T(); t.e("w0","worker.start",worker=0).spawn("main",1).push("main",1).e("w0","worker.park",worker=0,queued=0); t.write("parked-with-work")
t=T(); t.e("w0","worker.start",worker=0).spawn("main",1).push("main",1).e("main","worker.unpark",worker=0,why="push").e("w0","worker.park",worker=0,queued=0).e("w0","worker.resume",worker=0).pop("w0",1).pb("w0",1,1).pe("w0",1,1,"ready","done"); t.write("parked-with-work-near")
# near miss recorded under contention: the sleeper registered, then ext-0 pushed
# (stamped before the park) and unparked it (stamped after): not stranded
t=T(); t.e("w0","worker.start",worker=0).spawn("main",1).push("ext-0",1).e("w0","worker.park",worker=0,queued=0).e("ext-0","worker.unpark",worker=0,why="push").e("w0","worker.resume",worker=0).pop("w0",1).pb("w0",1,1).pe("w0",1,1,"ready","done"); t.write("parked-with-work-near-2")
# long poll
t=run1(T()); t.pe("w0",1,1,"ready","done",dt=20_000_000); t.write("long-poll")
t=run1(T()); t.pe("w0",1,1,"ready","done",dt=9_000_000); t.write("long-poll-near")
# self-wake loop (threshold 3 in the test)
def selfwake(t,n,extra):
    t.spawn("main",1).push("main",1)
    for p in range(1,n+1):
        t.pop("w0",1).pb("w0",1,p).wake("w0",1,"task","notified-while-running",by=1).pe("w0",1,p,"pending","requeue").push("w0",1)
    p=n+1
    t.pop("w0",1).pb("w0",1,p)
    if extra: t.wake("w0",1,"task","notified-while-running",by=1).pe("w0",1,p,"pending","requeue").push("w0",1).pop("w0",1).pb("w0",1,p+1)
    t.pe("w0",1,p+(1 if extra else 0),"ready","done")
    return t
selfwake(T(),2,True).write("self-wake-loop"); selfwake(T(),2,False).write("self-wake-loop-near")
# useless unpark
def unpark(t, useless):
    t.e("w0","worker.start",worker=0).e("w1","worker.start",worker=1).e("w0","worker.park",worker=0,queued=0).e("w1","worker.park",worker=1,queued=0)
    t.spawn("main",1).push("main",1).e("main","worker.unpark",worker=1,why="push")
    if useless: t.e("main","worker.unpark",worker=0,why="push")
    t.e("w1","worker.resume",worker=1).pop("w1",1).pb("w1",1,1).pe("w1",1,1,"ready","done").e("w1","worker.park",worker=1,queued=0)
    if useless: t.e("w0","worker.resume",worker=0).e("w0","worker.park",worker=0,queued=0)
    return t
# a worker unparked for work that another took first (a stats count, not a lint)
OUT=HERE; unpark(T(),True).write("unpark-no-work"); OUT=os.path.join(HERE,'lint')
# late timer
for name,late in (("late-timer",5_000_000),("late-timer-near",900_000)):
    t=run1(T()); t.e("w0","timer.insert",timer=1,deadline=1000,task=1).pe("w0",1,1).e("main","timer.fire",timer=1,deadline=1000,late_ns=late).wake("main",1,"timer","scheduled").push("main",1).pop("w0",1).pb("w0",1,2).pe("w0",1,2,"ready","done"); t.write(name)
# late timers in runs: two late fires with a poll between them are one run
# (one finding), a fire on time ends it, and the next late fire starts another
t=run1(T()); t.e("w0","timer.insert",timer=1,deadline=10,task=1).e("w0","timer.insert",timer=2,deadline=10,task=1).e("w0","timer.insert",timer=3,deadline=10,task=1).e("w0","timer.insert",timer=4,deadline=10,task=1).pe("w0",1,1)
t.e("main","timer.fire",timer=1,deadline=10,late_ns=5_000_000).spawn("main",2).push("main",2).pop("main",2).pb("main",2,1).pe("main",2,1,"ready","done")
t.e("main","timer.fire",timer=2,deadline=10,late_ns=3_000_000).e("main","timer.fire",timer=3,deadline=10,late_ns=100).e("main","timer.fire",timer=4,deadline=10,late_ns=2_000_000)
t.wake("main",1,"timer","scheduled").push("main",1).pop("w0",1).pb("w0",1,2).pe("w0",1,2,"ready","done"); t.write("late-timer-runs")
# never joined
t=run1(T()); t.e("w0","join.send",task=1,result=0,value=1).pe("w0",1,1,"ready","done"); t.write("never-joined")
t=run1(T()); t.e("w0","join.send",task=1,result=0,value=1).pe("w0",1,1,"ready","done").e("main","join.complete",task=1,result=0); t.write("never-joined-near")
# dropped
t=run1(T()); t.pe("w0",1,1,"ready","done").e("w0","dropped",n=3); t.write("events-dropped")
t=run1(T()); t.pe("w0",1,1,"ready","done"); t.write("events-dropped-near")
# lost wakeup, second form: Pending with no clone ever made
t=run1(T()); t.pe("w0",1,1); t.write("lost-wakeup-2")
# near miss: clones dropped by shutdown teardown
t=run1(T()); t.e("w0","waker.clone",task=1,wakers=1).pe("w0",1,1).e("main","worker.unpark",worker=0,why="shutdown").e("main","waker.drop",task=1,wakers=0).e("main","task.drop",task=1,why="shutdown").e("main","runtime.stop",tasks_dropped=1); t.write("lost-wakeup-near-2")
# near misses recorded under contention (issue 16): counts stamped out of order.
# ext-0 holds the only clone and wakes it; its drop (count 1 -> 0 on the atomic)
# is stamped after the second poll's clone (0 -> 1), so the last `wakers` says 0.
def foreign(t):
    run1(t).e("w0","waker.clone",task=1,wakers=1).pe("w0",1,1)
    t.wake("ext-0",1,"external","scheduled").push("ext-0",1).pop("w0",1).pb("w0",1,2)
    t.e("w0","waker.clone",task=1,wakers=1).pe("w0",1,2).e("ext-0","waker.drop",task=1,wakers=0)
    return t
t=foreign(T()); t.wake("ext-0",1,"external","scheduled").e("ext-0","waker.drop",task=1,wakers=0).push("ext-0",1).pop("w0",1).pb("w0",1,3).pe("w0",1,3,"ready","done"); t.write("lost-wakeup-near-3")
# ... and a clone (1 -> 2 by ext-0) stamped after the drop it preceded (2 -> 1 by ext-1):
# replayed in trace order the count dips to 0 for one event, and the clone clears it.
t=run1(T()); t.e("w0","waker.clone",task=1,wakers=1).pe("w0",1,1)
t.e("ext-1","waker.drop",task=1,wakers=1).e("ext-0","waker.clone",task=1,wakers=2)
t.wake("ext-0",1,"external","scheduled").e("ext-0","waker.drop",task=1,wakers=0).push("ext-0",1).pop("w0",1).pb("w0",1,2).pe("w0",1,2,"ready","done"); t.write("lost-wakeup-near-4")
# hang: the main future waits on a task that returned Pending with no waker
def hang(t, hung):
    t.e("main","block_on.begin",name="m").e("main","main.flag",was_ready=False,when="before-poll").e("main","main.poll.begin",poll=1)
    t.spawn("main",1,"stuck").push("main",1).e("main","main.poll.end",poll=1,result="pending").e("main","main.wait")
    t.pop("w0",1).pb("w0",1,1)
    if not hung: t.e("w0","waker.clone",task=1,wakers=1)
    t.pe("w0",1,1).e("w0","worker.park",worker=0,queued=0)
    if hung:
        t.e("main","hang",parked=2,queued=0).e("main","main.resume",why="hang").e("main","block_on.end",result=-35)
    else:
        t.e("ext-0","waker.wake",task=1,source="external",outcome="scheduled",by=0,by_ref=False).e("ext-0","waker.drop",task=1,wakers=0)
        t.push("ext-0",1).e("ext-0","worker.unpark",worker=0,why="push").e("w0","worker.resume",worker=0).pop("w0",1).pb("w0",1,2)
        t.e("w0","main.wake",source="join",by=1,was_ready=False).pe("w0",1,2,"ready","done")
        t.e("main","main.resume",why="woken").e("main","main.flag",was_ready=True,when="before-poll").e("main","main.poll.begin",poll=2).e("main","main.poll.end",poll=2,result="ready").e("main","block_on.end",result=0)
    return t
hang(T(),True).write("hang"); hang(T(),False).write("hang-near")
# hang with its task dump (version 2): main awaits task 2 'reader', which waits
# on channel 1 (held by the channel); task 1 'stuck' dropped its waker
t=T(); t.e("main","block_on.begin",name="m").e("main","main.flag",was_ready=False,when="before-poll").e("main","main.poll.begin",poll=1)
t.spawn("main",1,"stuck").push("main",1).spawn("main",2,"reader").push("main",2).e("main","main.poll.end",poll=1,result="pending").e("main","main.wait")
t.pop("w0",1).pb("w0",1,1).e("w0","waker.clone",task=1,wakers=1).e("w0","chan.send",chan=1,result=0,len=1,task=1).pe("w0",1,1).e("w0","waker.drop",task=1,wakers=0)
t.pop("w0",2).pb("w0",2,1).e("w0","chan.recv",chan=1,result=0,len=0,task=2).e("w0","waker.clone",task=2,wakers=1).pe("w0",2,1).e("w0","worker.park",worker=0,queued=0)
t.e("main","hang",parked=2,queued=0).e("main","hang.main",polls=1,idle_ns=500,wakers=1,waits="join",on=2)
t.e("main","hang.task",task=2,state="IDLE",idle_ns=200,waits="chan.recv",on=1).e("main","hang.task",task=1,state="IDLE",idle_ns=300,waits="nothing",on=0)
t.e("main","main.resume",why="hang").e("main","block_on.end",result=-35)
t.write("hang-dump",version=2)
# why: a wake caused by a channel send in another task's poll
OUT2=HERE
t=T()
t.e("main","block_on.begin",name="m").e("main","main.poll.begin",poll=1)
t.spawn("main",1,"receiver").push("main",1).spawn("main",2,"sender").push("main",2)
t.e("main","main.poll.end",poll=1,result="pending")
t.pop("w0",1).pb("w0",1,1).e("w0","waker.clone",task=1,wakers=1).pe("w0",1,1)
t.pop("w1",2).pb("w1",2,1).e("w1","chan.send",chan=1,result=0,len=1).wake("w1",1,"task","scheduled",by=2).e("w1","waker.drop",task=1,wakers=0).push("w1",1).pe("w1",2,1,"ready","done")
t.pop("w0",1).pb("w0",1,2).e("w0","chan.recv",chan=1,result=0,len=0).pe("w0",1,2,"ready","done")
t.e("main","block_on.end",result=0)
OUT=OUT2; t.write("why-chan")
# why: two timers fire in one reactor turn; each wake names its own timer
# (the nearest timer.fire before task 1's wake is timer 2's)
t=T()
t.e("main","block_on.begin",name="m").e("main","main.poll.begin",poll=1)
t.spawn("main",1,"early").push("main",1).spawn("main",2,"late").push("main",2,2)
t.e("main","main.poll.end",poll=1,result="pending")
t.pop("w0",1,1).pb("w0",1,1).e("w0","waker.clone",task=1,wakers=1).e("w0","timer.insert",timer=1,deadline=500,task=1).pe("w0",1,1)
t.pop("w0",2).pb("w0",2,1).e("w0","waker.clone",task=2,wakers=1).e("w0","timer.insert",timer=2,deadline=510,task=2).pe("w0",2,1)
t.e("w0","worker.park",worker=0,queued=0).e("w0","reactor.turn.begin",timeout_ns=300)
t.e("w0","timer.fire",dt=330,timer=1,deadline=500,late_ns=20).e("w0","timer.fire",timer=2,deadline=510,late_ns=20)
t.wake("w0",1,"timer","scheduled",cause=1).e("w0","waker.drop",task=1,wakers=0).push("w0",1)
t.wake("w0",2,"timer","scheduled",cause=2).e("w0","waker.drop",task=2,wakers=0).push("w0",2,2)
t.e("w0","reactor.turn.end",events=0,timers=2).e("w0","worker.resume",worker=0)
t.pop("w0",1,1).pb("w0",1,2).pe("w0",1,2,"ready","done").pop("w0",2).pb("w0",2,2).pe("w0",2,2,"ready","done")
t.e("main","block_on.end",result=0)
t.write("why-cause",version=2)
