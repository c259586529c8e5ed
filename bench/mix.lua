-- wrk script for bench/mix_bench.py: walks a list of addresses so that none is requested
-- twice. Arguments (after `--`): the file of paths (one a line) and the number of threads.
-- Thread k of n sends lines k, k + n, k + 2n, ...; a thread whose share runs out stops.
-- Responses are counted per thread (2xx, other statuses) and summed in done(), because
-- wrk's own count includes the answers that failed.
local threads = {}
local next_id = 0

setup = function(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local paths = {}
local i, step = 0, 1
ok, failed, sent, exhausted = 0, 0, 0, 0

init = function(args)
  local file, nthreads = args[1], tonumber(args[2])
  for line in io.lines(file) do
    paths[#paths + 1] = line
  end
  step = nthreads
  i = id + 1 - step
end

request = function()
  i = i + step
  if i > #paths then
    -- Nothing left to ask that was not asked before: stop this thread. wrk still sends
    -- this one request, to a cheap page; the script warns when a thread ran out, as its
    -- last answers may then include these.
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/livez")
  end
  sent = sent + 1
  return wrk.format("GET", paths[i])
end

response = function(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    failed = failed + 1
  end
end

done = function(summary, latency, requests)
  local total_ok, total_failed, total_sent, ran_out = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_failed = total_failed + t:get("failed")
    total_sent = total_sent + t:get("sent")
    ran_out = ran_out + t:get("exhausted")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"ok":%d,"failed":%d,"sent":%d,"threads_exhausted":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, total_ok, total_failed, total_sent, ran_out))
end
