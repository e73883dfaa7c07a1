-- (b) POST /api/livekit/token with a user JWT (BENCH_USER_JWT); the
-- identity is the JWT's sub.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_USER_JWT")
wrk.body = '{"room_name":"bench-room"}'
