-- (a) POST /api/livekit/token with an API key (BENCH_API_KEY), an admin
-- key: it mints for any room with no LiveKit call (an app key only for
-- session rooms, after a look-up).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("BENCH_API_KEY")
wrk.body = '{"room_name":"bench-room","participant_identity":"user123",' ..
    '"participant_name":"Bench User"}'
