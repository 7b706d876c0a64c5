# SPDX-License-Identifier: MIT
# Helpers for the tests that import into a real Orthanc (sourced after lib.sh): start a private
# Orthanc on free loopback ports with a temporary storage folder and the DICOMweb plugin —
# never the system service — and ask its REST API what it holds.
ORTHANC_PLUGIN=/usr/share/orthanc/plugins/libOrthancDicomWeb.so

# have_orthanc: Orthanc and its DICOMweb plugin are installed.
have_orthanc() {
	command -v Orthanc >/dev/null 2>&1 && test -f "$ORTHANC_PLUGIN"
}

# orthanc_port: a port nothing listens on (the kernel picks it).
orthanc_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# orthanc_start DIR [LUA]: start Orthanc with its storage in DIR (AE title ORTHANC, only on
# 127.0.0.1). LUA: a Lua script file to load (e.g. a filter refusing instances). Sets
# ORTHANC_PID, ORTHANC_HTTP, ORTHANC_DICOM, ORTHANC_URL (REST) and ORTHANC_WEB (DICOMweb).
orthanc_start() {
	mkdir -p "$1/db"
	for try in 1 2 3 4 5; do
		ORTHANC_HTTP=$(orthanc_port)
		ORTHANC_DICOM=$(orthanc_port)
		lua=""
		test -n "${2:-}" && lua="\"LuaScripts\": [\"$2\"],"
		cat >"$1/orthanc.json" <<-JSON
		{
		  "Name": "pdigate-test", "StorageDirectory": "$1/db", "IndexDirectory": "$1/db",
		  "HttpPort": $ORTHANC_HTTP, "DicomPort": $ORTHANC_DICOM, "DicomAet": "ORTHANC",
		  "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
		  "HttpServerEnabled": true, "DicomServerEnabled": true, "DicomCheckCalledAet": true,
		  "SaveJobs": false, "StableAge": 1, "ConcurrentJobs": 1, "HttpThreadsCount": 4,
		  "StorageCompression": false, "Plugins": ["$ORTHANC_PLUGIN"], $lua
		  "DicomWeb": { "Enable": true, "Root": "/dicom-web/" }
		}
		JSON
		Orthanc "$1/orthanc.json" --logdir="$1" >/dev/null 2>&1 &
		ORTHANC_PID=$!
		ORTHANC_URL=http://127.0.0.1:$ORTHANC_HTTP
		ORTHANC_WEB=$ORTHANC_URL/dicom-web
		for i in $(seq 1 100); do
			kill -0 "$ORTHANC_PID" 2>/dev/null || break
			if curl -sf "$ORTHANC_URL/system" >/dev/null 2>&1 &&
			   curl -sf "$ORTHANC_WEB/studies" >/dev/null 2>&1; then
				return 0
			fi
			sleep 0.2
		done
		kill "$ORTHANC_PID" 2>/dev/null
		wait "$ORTHANC_PID" 2>/dev/null
	done
	echo "cannot start Orthanc (see $1/*.log)"
	return 1
}

orthanc_stop() {
	test -n "${ORTHANC_PID:-}" || return 0
	kill "$ORTHANC_PID" 2>/dev/null
	wait "$ORTHANC_PID" 2>/dev/null
	ORTHANC_PID=
}

# orthanc_compare URL DIR: Orthanc (REST API at URL) holds exactly the DICOM files under DIR,
# each with the same Patient ID, names, dates and UIDs as the de-identified file.
orthanc_compare() {
	python3 "$PDG_TOP/tests/cli/orthanc-compare.py" "$1" "$2"
}
