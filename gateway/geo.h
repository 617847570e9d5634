/*
 * geo.h - geodesy on the WGS84 sphere approximation.
 */
#ifndef HF_GEO_H
#define HF_GEO_H

#include "hf.h"

/* Mean Earth radius (IUGG), metres. */
#define HF_EARTH_RADIUS_M 6371008.8

/* Great-circle distance in metres between two points given in degrees
 * (haversine; accurate to ~0.5% against the ellipsoid, fine for ranking). */
double hf_geo_distance_m(double lat1, double lon1, double lat2, double lon2);

/* The point reached from (lat, lon) going distance_m on initial bearing
 * bearing_deg (degrees from north), into *lat2 / *lon2 (lon in -180..180). */
void hf_geo_destination(double lat, double lon, double bearing_deg, double distance_m,
			double *lat2, double *lon2);

/* True if lat is in -90..90 and lon in -180..180 (and neither is NaN). */
bool hf_geo_valid(double lat, double lon);

#endif
