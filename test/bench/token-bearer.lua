-- POST /api/livekit/token with the Authorization header BENCH_BEARER: the
-- ES256 scenarios (a valid token over and over, forged ones).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_BEARER")
wrk.body = '{"room_name":"bench-room"}'
