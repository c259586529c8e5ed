-- wrk script for bench/soak.py: every request picks a random path from the file named by
-- the SOAK_PATHS environment variable (one path per line); every response's status is
-- counted; after the run one machine-readable line sums the threads.

local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  paths = {}
  local file = assert(io.open(os.getenv("SOAK_PATHS"), "r"))
  for line in file:lines() do
    if #line > 0 then
      table.insert(paths, line)
    end
  end
  file:close()
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  statuses = {}
end

request = function()
  return wrk.format("GET", paths[math.random(#paths)], { ["Accept-Encoding"] = "gzip, br" })
end

response = function(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

done = function(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for code, n in pairs(counts) do
      totals[code] = (totals[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(totals) do
    table.insert(parts, string.format('"%s":%d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'SOAKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status_errors":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency.max,
    table.concat(parts, ",")))
end
