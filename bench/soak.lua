-- Soak load: each request takes the next public page in turn; the summary
-- is one JSON line (wrk's error counts by kind, and the non-2xx/3xx answers).
local paths = {
  "/", "/articles/valium-diazepam/", "/articles/diazepam-for-sleep/", "/topics/",
  "/topics/diazepam/", "/search/?q=sleep", "/feed/", "/sitemap.xml", "/sitemap-articles.xml",
}
local n = 0

request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, ' ..
    '"p50": %.3f, "p99": %.3f, "max": %.3f}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
