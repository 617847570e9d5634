/*
 * geo.c - see geo.h.
 */
#include <math.h>

#include "geo.h"

static double rad(double deg)
{
	return deg * (M_PI / 180.0);
}

static double deg(double rad_)
{
	return rad_ * (180.0 / M_PI);
}

double hf_geo_distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double dlat = rad(lat2 - lat1);
	double dlon = rad(lon2 - lon1);
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(rad(lat1)) * cos(rad(lat2)) * sin(dlon / 2) * sin(dlon / 2);

	if (a > 1.0) /* rounding near antipodes */
		a = 1.0;
	return 2.0 * HF_EARTH_RADIUS_M * asin(sqrt(a));
}

void hf_geo_destination(double lat, double lon, double bearing_deg, double distance_m,
			double *lat2, double *lon2)
{
	double d = distance_m / HF_EARTH_RADIUS_M;
	double b = rad(bearing_deg);
	double p1 = rad(lat);
	double p2 = asin(sin(p1) * cos(d) + cos(p1) * sin(d) * cos(b));
	double l2 = rad(lon) + atan2(sin(b) * sin(d) * cos(p1), cos(d) - sin(p1) * sin(p2));

	*lat2 = deg(p2);
	*lon2 = fmod(deg(l2) + 540.0, 360.0) - 180.0;
}

bool hf_geo_valid(double lat, double lon)
{
	return lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0;
}
