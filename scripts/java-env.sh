# Sourced by ./ffnkit and ./run-tests: finds a JDK 25 (JAVA_HOME, then java on PATH, then
# /usr/lib/jvm/*25*) and exports JAVA_HOME so Maven compiles with it too.

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1 | cut -d. -f1
}

find_jdk25() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(readlink -f "$(command -v java)")")
  for d in /usr/lib/jvm/*25*; do [ -x "$d/bin/java" ] && candidates+=("$d/bin/java"); done
  local j major
  for j in "${candidates[@]}"; do
    [ -x "$j" ] || continue
    major=$(java_major "$j")
    if [ -n "$major" ] && [ "$major" -ge 25 ] && [ -x "$(dirname "$j")/javac" ]; then
      JAVA_HOME=$(cd "$(dirname "$j")/.." && pwd)
      export JAVA_HOME
      return 0
    fi
  done
  echo "ffnkit: error: no JDK 25 found (tried JAVA_HOME, java on PATH, /usr/lib/jvm/*25*): install one, e.g. Temurin 25, or set JAVA_HOME" >&2
  return 1
}

require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "ffnkit: error: Maven (mvn) is not installed: apt-get install maven" >&2
    return 1
  fi
}
